#pragma once
// Housekeeper: keeps a serving cache within its budget, on its own thread.
// Every few seconds (and right after new content is stored) it
//  - reads the filesystem's free space, and resumes caching after a disk-full
//    pause once there is room again and a probe write succeeds;
//  - evicts least recently used content when the cache passes the high
//    watermark of its budget (EvictionPolicy);
//  - removes content unused for longer than its TTL (ExpiryPolicy), at least
//    every minute, or every quarter of the shortest TTL;
//  - collects garbage every gc_interval (GarbageCollector).
// The operator commands run through it too (collect_garbage, remove, verify),
// one operation at a time, so they never race the loop.

#include <atomic>
#include <condition_variable>
#include <optional>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cache/blob_fetcher.hpp"
#include "cache/shared_catalog.hpp"
#include "config/config.hpp"
#include "lifecycle/bucket_collector.hpp"
#include "lifecycle/content_remover.hpp"
#include "lifecycle/content_verifier.hpp"
#include "lifecycle/eviction_policy.hpp"
#include "lifecycle/expiry_policy.hpp"
#include "lifecycle/garbage_collector.hpp"
#include "lifecycle/image_remover.hpp"

namespace regcache::lifecycle {

struct EvictionReport {
  size_t removed = 0;
  uint64_t bytes = 0;
};

class Housekeeper {
 public:
  // `fetcher` is null for offline commands (then start() must not be called).
  Housekeeper(const config::Config& config, const std::filesystem::path& data_dir,
              storage::ContentStore& store, index::CacheIndex& index, cache::BlobFetcher* fetcher,
              const Clock& clock);
  ~Housekeeper();

  void start();
  void stop();
  // Storage is a bucket other nodes may share (before start()). With a
  // `collector` (redis.addr), TTL and max_size run over the whole bucket on
  // one node at a time instead of over this node's index, and garbage
  // collection forgets unreachable content in this node's index but leaves
  // the objects to the collector (another node may need them), which
  // collects garbage over the whole bucket (BucketCollector::collect_garbage)
  // on the same interval. Without, as on one node. `catalog`: the nodes' shared
  // tag records and pins, which `remove` drops as well.
  void share_bucket(BucketCollector* collector, cache::SharedCatalog* catalog = nullptr);
  // New content was stored: check the budget soon.
  void wake();

  // This node's index, and the shared bucket when this node is its collector.
  GcReport collect_garbage(bool dry_run);
  RemoveReport remove(const ImageSelector& selector, bool dry_run);
  VerifyReport verify(bool fix);
  EvictionReport enforce_budget();
  EvictionReport expire();
  // Budget and space numbers for `regcache status` / usage.
  nlohmann::json status();

  // For metrics and the status page (ops::LifecycleStatus): cheap, any thread.
  struct Counters {
    std::optional<uint64_t> budget;  // bytes the cache may hold now; none = unlimited
    uint64_t evictions = 0;          // objects evicted to keep the budget, since start
    uint64_t gc_runs = 0;            // garbage collections completed, since start
    std::optional<bool> collector;   // shared bucket: this node collects for it now
  };
  Counters counters() const;

 private:
  void run();
  void check_space();
  EvictionReport enforce_budget_locked();
  EvictionReport expire_locked();
  GcReport collect_garbage_locked(bool dry_run);
  void collect_bucket(bool woken);

  const config::LifecycleConfig config_;
  const std::filesystem::path data_dir_;
  storage::ContentStore& store_;
  index::CacheIndex& index_;
  cache::BlobFetcher* fetcher_;
  const Clock& clock_;
  EvictionPolicy eviction_;
  ExpiryPolicy expiry_;
  ContentRemover remover_;
  ContentRemover gc_remover_;  // index only on a shared bucket
  GarbageCollector collector_;
  BucketCollector* bucket_ = nullptr;
  cache::SharedCatalog* catalog_ = nullptr;
  std::chrono::steady_clock::time_point next_bucket_pass_{};
  std::chrono::steady_clock::time_point last_bucket_pass_{};

  std::atomic<uint64_t> budget_{EvictionPolicy::kUnlimited};  // as last computed
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> gc_runs_{0};

  std::mutex work_mutex_;  // one lifecycle operation at a time
  std::mutex mutex_;       // guards the flags below
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace regcache::lifecycle
