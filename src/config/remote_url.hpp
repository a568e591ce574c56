#pragma once
// proxy.remoteurl: the upstream registry regcache mirrors, and the name it is
// known by ("docker.io" for Docker Hub, host[:port] otherwise).

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace regcache::config {

struct RemoteUrl {
  // scheme://host[:port][/path]: scheme and host lower-cased, no trailing '/'.
  // A path is kept for registries served under a prefix; requests go to <url>/v2/...
  std::string url;
  std::string name;         // "docker.io" for Docker Hub, else host[:port] as written
  bool docker_hub = false;  // registry-1.docker.io, docker.io or index.docker.io
};

// Fails with a short reason (never echoing the URL, which may hold credentials):
// missing or non-http(s) scheme, missing host, bad port, credentials in the URL,
// a query or fragment, or a path ending in /v2.
Result<RemoteUrl, std::string> parse_remote_url(std::string_view text);

}  // namespace regcache::config
