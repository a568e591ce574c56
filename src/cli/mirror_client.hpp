#pragma once
// MirrorClient: HTTP requests from the command-line tools (check, prefetch) to
// a running mirror, over libcurl. One client per thread: its easy handle keeps
// the connection to the mirror alive between requests. Blocking.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "net/curl_handle.hpp"
#include "upstream/response_head.hpp"

namespace regcache::cli {

struct MirrorResponse {
  upstream::ResponseHead head;  // head.status() == 0 when no answer came
  std::string body;             // empty when the body was discarded
  uint64_t body_bytes = 0;      // bytes received (also when discarded)
  std::chrono::duration<double> duration{0};
  std::string error;  // transport error, empty when the answer arrived
  bool ok() const { return error.empty() && head.status() != 0; }
};

class MirrorClient {
 public:
  // `base_url`: http(s)://host:port, without a trailing slash.
  MirrorClient(std::string base_url, std::chrono::seconds stall_timeout);

  // `on_bytes` (may be empty) is told of body bytes as they arrive.
  MirrorResponse get(const std::string& path, const std::vector<std::string>& headers = {},
                     bool keep_body = true, const std::function<void(uint64_t)>& on_bytes = {});
  MirrorResponse head(const std::string& path, const std::vector<std::string>& headers = {});

  const std::string& base_url() const { return base_url_; }

 private:
  MirrorResponse perform(const std::string& path, const std::vector<std::string>& headers,
                         bool head_only, bool keep_body,
                         const std::function<void(uint64_t)>& on_bytes);

  std::string base_url_;
  std::chrono::seconds stall_timeout_;
  net::CurlHandle curl_;
};

// Accept header for every manifest type a registry serves.
extern const char* const kManifestAcceptHeader;

}  // namespace regcache::cli
