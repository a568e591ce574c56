#pragma once
// BlobFetcher: at most one upstream download per digest at any time. The first
// request for an uncached blob starts the download on the upstream worker pool;
// every concurrent request for the same digest joins it (see InflightFetch).
// The download verifies the SHA-256 as bytes arrive and publishes the blob into
// the content store and the index only when it matches.

#include <atomic>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "cache/inflight_fetch.hpp"
#include "index/cache_index.hpp"
#include "storage/content_store.hpp"
#include "upstream/upstream_registry.hpp"
#include "util/asio.hpp"
#include "util/clock.hpp"

namespace regcache::cache {

class BlobFetcher {
 public:
  BlobFetcher(storage::ContentStore& store, index::CacheIndex& index,
              asio::thread_pool& upstream_workers, const Clock& clock);
  ~BlobFetcher();

  struct Joined {
    std::shared_ptr<InflightFetch> fetch;
    bool started = false;  // true: this call started the download (a miss), else coalesced
  };

  // `repository` is the upstream's name for it; the blob is linked to it once stored.
  // `call`: the request that starts the download (its ID is in the upstream log lines).
  Joined join_or_start(upstream::UpstreamRegistry& client, const std::string& repository,
                       const registry::Digest& digest, const upstream::CallContext& call = {});

  // The download in progress for `digest`, if any (does not start one).
  std::shared_ptr<InflightFetch> find(const registry::Digest& digest) const;
  size_t inflight_count() const;
  // Aborts every download (shutdown). Followers see `failed`.
  void stop();

 private:
  void download(std::shared_ptr<InflightFetch> fetch, upstream::UpstreamRegistry& client,
                std::string repository, upstream::CallContext call);
  void finish(const std::shared_ptr<InflightFetch>& fetch);

  storage::ContentStore& store_;
  index::CacheIndex& index_;
  asio::thread_pool& workers_;
  const Clock& clock_;
  std::stop_source stop_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<InflightFetch>> inflight_;  // by digest hex
};

}  // namespace regcache::cache
