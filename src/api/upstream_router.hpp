#pragma once
// UpstreamRouter: decides which upstream registry serves a request and what the
// repository is called there. With one upstream (registry:2's `proxy:`
// section) every request goes to it; containerd's `?ns=<registry>` selects among
// several. Docker Hub's official images: `alpine` means `library/alpine`.

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

class UpstreamRouter {
 public:
  // `upstreams` must not be empty; the first is the default.
  explicit UpstreamRouter(std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams);

  // `ns` is containerd's ns query parameter (may be empty).
  Result<RoutedRepository, cache::CacheError> route(std::string_view repository,
                                                    std::string_view ns) const;
  const std::vector<std::unique_ptr<upstream::UpstreamRegistry>>& upstreams() const {
    return upstreams_;
  }

 private:
  std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams_;
};

}  // namespace regcache::api
