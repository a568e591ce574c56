#pragma once
#include <chrono>
#include <cstdint>

namespace regcache::http {

// Every wait and every buffer of a connection is bounded by these.
struct ServerLimits {
  std::chrono::seconds header_timeout{30};  // to read one request head (and the TLS handshake)
  std::chrono::seconds idle_timeout{120};   // keep-alive wait for the next request
  std::chrono::seconds send_timeout{60};    // a send that makes no progress for this long fails
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t max_connections = 10000;
  uint32_t max_url_bytes = 8192;            // request target (path and query)
  uint32_t max_header_count = 100;          // header fields in one request
  uint32_t max_connections_per_client = 0;  // per peer address; 0 = no limit (proxies exempt)
};

}  // namespace regcache::http
