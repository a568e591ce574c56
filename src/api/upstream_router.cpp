#include "api/upstream_router.hpp"

namespace regcache::api {

UpstreamRouter::UpstreamRouter(std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams)
    : upstreams_(std::move(upstreams)) {}

Result<RoutedRepository, cache::CacheError> UpstreamRouter::route(std::string_view repository,
                                                                  std::string_view ns) const {
  upstream::UpstreamRegistry* client = upstreams_.front().get();
  if (!ns.empty() && upstreams_.size() > 1) {
    client = nullptr;
    for (const auto& candidate : upstreams_) {
      if (candidate->upstream().name == ns) client = candidate.get();
    }
    if (client == nullptr) {
      return fail(cache::CacheError{registry::ErrorCode::name_unknown,
                                    "registry " + std::string(ns) + " is not mirrored here",
                                    std::nullopt});
    }
  }
  RoutedRepository routed{client, std::string(repository)};
  if (client->upstream().docker_hub_library_rule &&
      repository.find('/') == std::string_view::npos) {
    routed.repository = "library/" + routed.repository;
  }
  return routed;
}

}  // namespace regcache::api
