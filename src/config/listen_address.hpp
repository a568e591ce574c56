#pragma once
// http.addr: the address regcache listens on, in Go's net.Listen("tcp", addr)
// form: ":5000", "0.0.0.0:5000", "127.0.0.1:0", "[::1]:5000", "localhost:5000".

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace regcache::config {

struct ListenAddress {
  std::string host;   // empty = all interfaces; an IPv6 address without brackets
  uint16_t port = 0;  // 0 = a free port chosen by the OS
};

// Fails with a reason such as "missing port (use host:port or :port, e.g. :5000)".
Result<ListenAddress, std::string> parse_listen_address(std::string_view addr);

}  // namespace regcache::config
