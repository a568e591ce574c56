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
//
// collect_garbage() (every regcache.gc_interval, and `regcache gc`) is the
// mark and sweep of bucket_marking.hpp over the whole bucket, on the collector
// only: it lists blobs/, then the media type records, tag records and pins the
// nodes write under meta/ (cache::SharedCatalog), reads the reachable
// manifests (their references are kept in memory: content-addressed, they
// never change), and removes what no tag or pin reaches and no node used for
// regcache.gc_grace, through the same path as the passes.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/blob_fetcher.hpp"
#include "config/config.hpp"
#include "index/cache_index.hpp"
#include "lifecycle/bucket_marking.hpp"
#include "lifecycle/bucket_plan.hpp"
#include "lifecycle/collector_coordination.hpp"
#include "lifecycle/expiry_policy.hpp"
#include "storage/bucket_layout.hpp"
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
  // Garbage collection over the bucket when this node is the collector
  // (report.collected); a dry run only reports.
  BucketGcReport collect_garbage(bool dry_run);
  // Between passes (every housekeeper tick): sends this node's access times
  // and renews the lock when this node holds it.
  void between_passes();
  void resign();
  // This node held the collector lock at its last election (for /metrics).
  bool collector() const { return collector_.load(); }
  // The budget of the bucket; kUnlimited without max_size.
  uint64_t budget() const;

 private:
  // Elects (takes or renews the lock); true when this node collects now.
  bool take_turn();
  bool still_collector();
  // blobs/ with sizes and upload times; nullopt if it cannot be listed or the lock was lost.
  std::optional<std::vector<BucketObject>> list_blobs();
  bool remove(const BucketObject& victim);
  std::optional<ManifestLinks> links_of(const registry::Digest& digest, uint64_t size);
  // Deletes the records `keys` of the manifest `digest` if it is not in the
  // bucket (checked once for all of them); true when they are gone.
  bool prune_records(std::initializer_list<std::string> keys, const registry::Digest& digest,
                     bool dry_run);

  const config::LifecycleConfig config_;
  const std::filesystem::path data_dir_;
  storage::S3ContentStore& store_;
  index::CacheIndex& index_;
  cache::BlobFetcher* fetcher_;
  CollectorCoordination& coordination_;
  const Clock& clock_;
  ExpiryPolicy expiry_;
  const storage::BucketLayout layout_;  // where the nodes' records are
  std::atomic<bool> collector_{false};
  std::chrono::steady_clock::time_point renewed_{};
  std::unordered_map<std::string, ManifestLinks> links_;  // by manifest hex, across GC runs
};

}  // namespace regcache::lifecycle
