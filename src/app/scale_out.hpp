#pragma once
// ScaleOut: what a node needs to share its cache with other nodes on the same
// storage.s3 bucket and prefix: the shared catalog of tags and manifests on the
// bucket, and (with redis.addr or redis.addrs) the fetch leases that make one
// node fetch each blob for all, the shared token cache and rate budgets. Nothing on a
// local-directory cache. See docs/scale-out.md.

#include <functional>
#include <memory>

#include "api/peer_handler.hpp"
#include "api/response_headers.hpp"
#include "cache/blob_fetcher.hpp"
#include "cache/pull_through_cache.hpp"
#include "config/config.hpp"
#include "coord/redis_fetch_coordinator.hpp"
#include "coord/redis_lifecycle_coordination.hpp"
#include "coord/redis_rate_limit.hpp"
#include "coord/redis_tag_revalidation.hpp"
#include "coord/redis_token_store.hpp"
#include "coord/s3_shared_catalog.hpp"
#include "lifecycle/content_backend.hpp"

namespace regcache::app {

class ScaleOut {
 public:
  ScaleOut(const config::Config& config, lifecycle::ContentBackend& backend);
  bool shared() const { return catalog_ != nullptr; }
  cache::SharedCatalog* catalog() { return catalog_.get(); }
  void attach(cache::BlobFetcher& fetcher, cache::PullThroughCache& cache);
  // For the access gate: true for a request of another node following a
  // download here (it carries this node's ID from the fetch lease); empty
  // without coordination.
  std::function<bool(const http::Request&)> peer_admission() const;
  // The registry API with the endpoint other nodes follow this node's downloads on
  // (api/PeerHandler), or `registry` itself without coordination.
  http::RequestHandler& front(http::RequestHandler& registry, cache::BlobFetcher& fetcher,
                              const api::ResponseHeaders& headers,
                              std::chrono::seconds stall_timeout,
                              asio::thread_pool& storage_readers);
  // The collector lock and shared access times (with redis.addr), else nullptr.
  lifecycle::CollectorCoordination* lifecycle_coordination() { return lifecycle_.get(); }
  // Shared through Redis (null without it): upstream bearer tokens and the
  // per-client request budgets.
  upstream::SharedTokenStore* token_store() { return tokens_.get(); }
  access::SharedRateLimit* rate_limit() { return rate_.get(); }

 private:
  std::unique_ptr<coord::S3SharedCatalog> catalog_;
  std::unique_ptr<coord::RedisTokenStore> tokens_;
  std::unique_ptr<coord::RedisTagRevalidation> revalidation_;
  std::unique_ptr<coord::RedisRateLimit> rate_;
  std::unique_ptr<coord::RedisFetchCoordinator> coordinator_;
  std::unique_ptr<coord::RedisLifecycleCoordination> lifecycle_;
  std::unique_ptr<api::PeerHandler> peer_handler_;
};

}  // namespace regcache::app
