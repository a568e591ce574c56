#pragma once
// Where a listener binds: an empty host is every interface (IPv6 and IPv4,
// like registry:2's ":5000"), otherwise the host name or address resolved.

#include <cstdint>
#include <string>

#include "util/asio.hpp"

namespace regcache::app {

// Throws boost::system::system_error when the host does not resolve.
asio::ip::tcp::endpoint listen_endpoint(const std::string& host, uint16_t port);

}  // namespace regcache::app
