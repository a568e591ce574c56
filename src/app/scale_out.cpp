#include "app/scale_out.hpp"

#include <spdlog/spdlog.h>

namespace regcache::app {

ScaleOut::ScaleOut(const config::Config& config, lifecycle::ContentBackend& backend) {
  auto* s3 = backend.s3();
  if (s3 == nullptr) return;
  catalog_ = std::make_unique<coord::S3SharedCatalog>(s3->client(), s3->prefix());
  if (!config.redis) {
    spdlog::info(
        "scale-out: no redis.addr; nodes on this bucket serve each other's content but each "
        "fetches uncached blobs on its own");
    return;
  }
  const auto& redis = *config.redis;
  coord::RedisSettings settings;
  settings.host = redis.host;
  settings.port = redis.port;
  settings.password = redis.password;
  settings.db = static_cast<int>(redis.db);
  settings.dial_timeout = redis.dial_timeout;
  settings.io_timeout = redis.io_timeout;
  coordinator_ = std::make_unique<coord::RedisFetchCoordinator>(
      settings, s3->client().settings().bucket + "/" + s3->prefix(),
      std::chrono::duration_cast<std::chrono::milliseconds>(redis.fetch_lease));
}

void ScaleOut::attach(cache::BlobFetcher& fetcher, cache::PullThroughCache& cache) {
  if (coordinator_) fetcher.use_coordinator(coordinator_.get());
  if (catalog_) cache.share(catalog_.get());
}

}  // namespace regcache::app
