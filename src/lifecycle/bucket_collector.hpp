#pragma once
// BucketCollector: TTL and size budget over a bucket shared by several nodes
// (storage.s3 plus redis.addr), run by one node at a time.
//
// Every node calls pass() from its housekeeper. Each call first sends this
// node's access times to the shared record; then, only on the node holding the
// collector lock, it lists the bucket's blobs (ListObjectsV2: sizes and upload
// times of what any node cached), joins the shared last-access times, and
// removes what BucketPlan selects:
//  - never a blob a node holds the fetch lease of (being written), nor one
//    this node downloads or used since the plan was made;
//  - through S3ContentStore::remove, which keeps a grace copy for
//    kRemovedGrace: clients any node is still streaming the blob to finish
//    from that copy (the S3 reader falls back to it), and a node whose index
//    still lists the blob finds it gone on the next request, drops the row
//    and fetches it again.
// The collector re-checks its lock at least every second while it removes, and
// stops when it lost it, so two nodes never collect at once for longer than
// one renewal. Without a reachable Redis nobody collects.

#include <atomic>
#include <chrono>
#include <filesystem>

#include "cache/blob_fetcher.hpp"
#include "config/config.hpp"
#include "index/cache_index.hpp"
#include "lifecycle/bucket_plan.hpp"
#include "lifecycle/collector_coordination.hpp"
#include "lifecycle/expiry_policy.hpp"
#include "storage/s3_content_store.hpp"
#include "util/clock.hpp"

namespace regcache::lifecycle {

struct BucketPassReport {
  bool collected = false;  // this node was the collector and ran the pass
  size_t objects = 0;      // blobs in the bucket before the pass
  uint64_t bytes = 0;
  size_t expired = 0;
  size_t evicted = 0;
  uint64_t removed_bytes = 0;
};

class BucketCollector {
 public:
  BucketCollector(const config::Config& config, const std::filesystem::path& data_dir,
                  storage::S3ContentStore& store, index::CacheIndex& index,
                  cache::BlobFetcher* fetcher, CollectorCoordination& coordination,
                  const Clock& clock);

  BucketPassReport pass();
  // Between passes (every housekeeper tick): sends this node's access times
  // and renews the lock when this node holds it.
  void between_passes();
  void resign();
  // This node held the collector lock at its last election (for /metrics).
  bool collector() const { return collector_.load(); }
  // The budget of the bucket; kUnlimited without max_size.
  uint64_t budget() const;

 private:
  bool still_collector();
  bool remove(const BucketObject& victim);

  const config::LifecycleConfig config_;
  const std::filesystem::path data_dir_;
  storage::S3ContentStore& store_;
  index::CacheIndex& index_;
  cache::BlobFetcher* fetcher_;
  CollectorCoordination& coordination_;
  const Clock& clock_;
  ExpiryPolicy expiry_;
  std::atomic<bool> collector_{false};
  std::chrono::steady_clock::time_point renewed_{};
};

}  // namespace regcache::lifecycle
