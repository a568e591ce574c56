#include "app/scale_out.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "config/config_error.hpp"
#include "coord/redis_cluster.hpp"
#include "coord/redis_connection.hpp"
#include "coord/redis_tls.hpp"

namespace regcache::app {
namespace {

// How the other nodes reach this one: regcache.node_url, else http.addr (with
// the host name when it listens on all interfaces).
std::string node_url(const config::Config& config) {
  if (!config.redis->node_url.empty()) return config.redis->node_url;
  if (config.http.port == 0) return {};
  std::string host = config.http.host;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return {};
    host = name;
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  const bool tls = !config.http.tls.certificate.empty();
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(config.http.port);
}

// redis.tls: one OpenSSL context for every Redis connection. Files the config
// check let through but OpenSSL cannot use (not PEM, a key of another
// certificate) stop start-up like an unusable http.tls file.
std::shared_ptr<const coord::RedisTls> redis_tls(const config::RedisConfig::Tls& tls) {
  coord::RedisTlsOptions options;
  options.ca_file = tls.ca;
  options.skip_verify = tls.skip_verify;
  options.certificate = tls.certificate;
  options.key = tls.key;
  try {
    return std::make_shared<const coord::RedisTls>(options);
  } catch (const std::runtime_error& e) {
    throw config::ConfigError(e.what());
  }
}

}  // namespace

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
  if (redis.tls.enabled) settings.tls = redis_tls(redis.tls);
  std::shared_ptr<coord::RedisClient> client;
  if (redis.cluster.empty()) {
    client = std::make_shared<coord::RedisConnection>(settings);
  } else {
    std::vector<std::pair<std::string, int>> seeds(redis.cluster.begin(), redis.cluster.end());
    client = std::make_shared<coord::RedisCluster>(std::move(seeds), settings);
  }
  const std::string scope = s3->client().settings().bucket + "/" + s3->prefix();
  // Tokens and rate budgets are shared too (docs/scale-out.md).
  tokens_ = std::make_unique<coord::RedisTokenStore>(client, scope);
  rate_ = std::make_unique<coord::RedisRateLimit>(client, scope);
  revalidation_ = std::make_unique<coord::RedisTagRevalidation>(client, scope);
  coordinator_ = std::make_unique<coord::RedisFetchCoordinator>(
      client, scope, std::chrono::duration_cast<std::chrono::milliseconds>(redis.fetch_lease),
      node_url(config), config.tuning.upstream_stall_timeout);
  // Trust what this node itself presents (nodes usually share a certificate),
  // or the CA the operator names.
  coord::PeerTrust trust;
  trust.ca_file = !redis.peer_ca.empty() ? redis.peer_ca : config.http.tls.certificate.string();
  trust.skip_verify = redis.peer_skip_verify;
  coordinator_->trust_peers(std::move(trust));
  lifecycle_ = std::make_unique<coord::RedisLifecycleCoordination>(client, scope, *coordinator_);
}

std::function<bool(const http::Request&)> ScaleOut::peer_admission() const {
  if (!coordinator_) return {};
  return [id = coordinator_->node_id()](const http::Request& request) {
    const auto offered = request["X-Regcache-Lease"];
    return offered.size() == id.size() && CRYPTO_memcmp(offered.data(), id.data(), id.size()) == 0;
  };
}

http::RequestHandler& ScaleOut::front(http::RequestHandler& registry, cache::BlobFetcher& fetcher,
                                      const api::ResponseHeaders& headers,
                                      std::chrono::seconds stall_timeout,
                                      asio::thread_pool& storage_readers) {
  if (!coordinator_) return registry;
  peer_handler_ = std::make_unique<api::PeerHandler>(registry, fetcher, headers, stall_timeout,
                                                     storage_readers, coordinator_->node_id());
  return *peer_handler_;
}

void ScaleOut::attach(cache::BlobFetcher& fetcher, cache::PullThroughCache& cache) {
  if (coordinator_) fetcher.use_coordinator(coordinator_.get());
  if (catalog_) cache.share(catalog_.get());
  if (revalidation_) cache.share_revalidation(revalidation_.get());
}

}  // namespace regcache::app
