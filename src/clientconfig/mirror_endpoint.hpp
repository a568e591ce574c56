#pragma once
// The mirror's URL as clients are told to use it: scheme and host[:port], no
// path (Docker refuses a mirror URL with a path).

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace regcache::clientconfig {

struct MirrorEndpoint {
  std::string url;        // "http://mirror.example.com:5000", no trailing '/'
  std::string host_port;  // "mirror.example.com:5000", as written (host lower-cased)
  bool plain_http = false;
};

// Fails with a short reason: scheme not http/https, no host, credentials, a
// path other than "/", a query or a fragment.
Result<MirrorEndpoint, std::string> parse_mirror_endpoint(std::string_view text);

}  // namespace regcache::clientconfig
