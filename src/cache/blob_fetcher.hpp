#pragma once
// BlobFetcher: at most one upstream download per digest at any time. The first
// request for an uncached blob starts the download on the upstream worker pool;
// every concurrent request for the same digest joins it (see InflightFetch).
// The download verifies the SHA-256 as bytes arrive and publishes the blob into
// the content store and the index only when it matches.

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "cache/fetch_coordinator.hpp"
#include "cache/inflight_fetch.hpp"
#include "cache/storage_status.hpp"
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

  // Serializes publishing and removing one digest: held while a download or a
  // manifest fetch publishes it and while the lifecycle removes it, so a removal
  // never unlinks a copy published after its decision.
  std::unique_lock<std::mutex> lock_content(const registry::Digest& digest);
  // Whether new content can be stored; downloads report storage failures here.
  StorageStatus& storage_status() { return status_; }
  // Called (on the download's thread) after each blob is stored, with the
  // index's new total; the housekeeper uses it to evict promptly. Set before serving.
  void on_stored(std::function<void()> observer) { on_stored_ = std::move(observer); }
  // Nodes sharing the content store: claim each download there first; when
  // another node holds it, wait for the blob to land in the store and copy it
  // from there instead of going upstream. Set before serving.
  void use_coordinator(FetchCoordinator* coordinator) { coordinator_ = coordinator; }

 private:
  void download(std::shared_ptr<InflightFetch> fetch, upstream::UpstreamRegistry& client,
                std::string repository, upstream::CallContext call);
  void finish(const std::shared_ptr<InflightFetch>& fetch);
  enum class Turn { fetch, in_store, followed, stopped };
  // Waits until this node may fetch `digest` or the blob is in the store,
  // following the fetching node's download into `sink` meanwhile (`followed`:
  // all of it arrived).
  Turn await_turn(const registry::Digest& digest, upstream::BlobSink& sink, bool& holding_claim);
  // Verifies and indexes what another node fetched (publishing it if that node could not).
  // Waits for the fetching node to publish it (claiming the lease, into
  // `holding_claim`, if that node gives up).
  void settle_shared(const std::shared_ptr<InflightFetch>& fetch, upstream::BlobSink& sink,
                     upstream::UpstreamRegistry& client, const std::string& repository,
                     const char* source, bool& holding_claim);
  // Serves `fetch` from the store (another node fetched it). False if it is not
  // there after all; true once `fetch` is complete or failed.
  bool copy_from_store(const std::shared_ptr<InflightFetch>& fetch, upstream::BlobSink& sink,
                       upstream::UpstreamRegistry& client, const std::string& repository);

  storage::ContentStore& store_;
  index::CacheIndex& index_;
  asio::thread_pool& workers_;
  const Clock& clock_;
  std::stop_source stop_;
  StorageStatus status_;
  std::function<void()> on_stored_;
  FetchCoordinator* coordinator_ = nullptr;
  std::array<std::mutex, 32> content_locks_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<InflightFetch>> inflight_;  // by digest hex
};

}  // namespace regcache::cache
