#pragma once
// UpstreamRouter: decides which upstream registry serves a request and what the
// repository is called there. One regcache mirrors several registries; a
// request names its registry in one of these ways, checked in this order:
//  1. containerd's `ns` query parameter (`?ns=ghcr.io`), sent on every request
//     to a mirror configured in hosts.toml;
//  2. a path prefix: the first component of the name is an upstream's name or
//     alias (`/v2/ghcr.io/owner/app/manifests/1`, `/v2/k8s/pause/...`), so any
//     client can pull `mirror:5000/ghcr.io/owner/app:1`. When `ns` is given too
//     (containerd with `override_path = true`) both must agree;
//  3. the Host header, when an upstream lists it in `hosts`
//     (`ghcr.mirror.example.com`);
//  4. otherwise the default upstream (Docker's `registry-mirrors` sends plain
//     `/v2/library/alpine/...`).
// A registry that is not configured gets NAME_UNKNOWN naming it, never a fetch
// from another upstream; so does a first component that looks like a registry
// (contains '.' or ':') but names no upstream. On Docker Hub a one-component
// name is an official image: `alpine` means `library/alpine`.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/pull_through_cache.hpp"
#include "upstream/upstream_registry.hpp"
#include "util/result.hpp"

namespace regcache::api {

struct RoutedRepository {
  upstream::UpstreamRegistry* client = nullptr;
  std::string repository;  // the upstream's name for it
};

// What the request says about its registry besides the path.
struct RouteHints {
  std::string_view ns;    // containerd's ns query parameter, percent-decoded; may be empty
  std::string_view host;  // the Host header; may be empty
};

class UpstreamRouter {
 public:
  // `upstreams` must not be empty; names and aliases (from each upstream's
  // config) must be unique, as load_config guarantees. `default_upstream` is
  // the name of one of them, or empty for none.
  UpstreamRouter(std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams,
                 std::string default_upstream);

  // `repository` is the name as requested (validated by parse_route).
  Result<RoutedRepository, cache::CacheError> route(std::string_view repository,
                                                    const RouteHints& hints) const;
  const std::vector<std::unique_ptr<upstream::UpstreamRegistry>>& upstreams() const {
    return upstreams_;
  }

 private:
  upstream::UpstreamRegistry* by_name(std::string_view name) const;
  upstream::UpstreamRegistry* by_host(std::string_view host) const;

  std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams_;
  std::map<std::string, upstream::UpstreamRegistry*, std::less<>> names_;  // names and aliases
  std::map<std::string, upstream::UpstreamRegistry*, std::less<>> hosts_;
  upstream::UpstreamRegistry* default_ = nullptr;
};

}  // namespace regcache::api
