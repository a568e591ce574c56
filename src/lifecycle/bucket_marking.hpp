#pragma once
// BucketMarking: garbage collection's mark and sweep over a bucket shared by
// several nodes, decided from what the collector listed. Pure (no I/O), so it
// is unit-tested with made-up listings; BucketCollector::collect_garbage lists,
// reads and removes.
//
// Roots are the manifests that a tag record or a pin (written under meta/ by
// any node) names and that are in the bucket. Marking follows each reachable
// manifest's references, read through `links_of` (an index to its platform
// manifests, a manifest to its config and layers). Whatever is not reached is
// garbage, removed only when
//  - no node used or uploaded it for `grace` seconds: a node may be storing
//    what will reach it (a manifest is uploaded before its tag record or pin,
//    layers as they are pulled), and a node that served it a moment ago may
//    not have sent its access time yet;
//  - `protect` is false (a node holds its fetch lease, this node downloads it);
//  - no manifest kept for one of these reasons references it.
// When a reachable manifest cannot be read, nothing is removed: one of its
// references might be missing.
//
// Records naming a manifest that is not in the bucket (a tag record or pin
// whose manifest went by TTL or budget, the media type of a removed manifest)
// go once older than `grace`: a record names an upload that may have finished
// after the listing of the blobs.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "lifecycle/bucket_plan.hpp"
#include "registry/digest.hpp"

namespace regcache::lifecycle {

// A small object under meta/ naming a manifest: a tag record, a pin or a media type.
struct BucketRecord {
  std::string key;
  registry::Digest digest;
  int64_t written_at = 0;  // unix seconds
};

struct BucketListing {
  std::vector<BucketObject> objects;          // blobs/: blobs and manifest bodies
  std::unordered_set<std::string> manifests;  // hex of the objects known to be manifests
  std::vector<BucketRecord> manifest_records; // meta/manifests/ (media types)
  std::vector<BucketRecord> tags;             // meta/tags/
  std::vector<BucketRecord> pins;             // meta/pins/
};

// What a manifest references.
struct ManifestLinks {
  std::vector<registry::Digest> children;   // config, layers, platform manifests
  std::vector<registry::Digest> manifests;  // those of the children that are manifests
};
// nullopt: the manifest cannot be read now.
using LinksOf = std::function<std::optional<ManifestLinks>(const registry::Digest&)>;

struct BucketGcPlan {
  std::vector<BucketObject> manifests;  // to remove, before the blobs
  std::vector<BucketObject> blobs;
  uint64_t bytes = 0;                   // of the above
  std::vector<BucketRecord> dangling_tags;
  std::vector<BucketRecord> dangling_pins;
  std::vector<BucketRecord> orphan_records;  // media types of manifests not in the bucket
  size_t roots = 0;       // manifests a tag record or pin reaches
  size_t reachable = 0;   // objects marked
  size_t recent = 0;      // unreachable but used or uploaded within the grace period
  size_t protected_ = 0;  // unreachable but being written or downloaded
  bool complete = true;   // false: a reachable manifest was unreadable, nothing is removed
};

BucketGcPlan plan_bucket_gc(const BucketListing& listing, int64_t now, int64_t grace,
                            const LinksOf& links_of,
                            const std::function<bool(const registry::Digest&)>& protect);

// What one garbage collection over the bucket did (the operator's `regcache gc`).
struct BucketGcReport {
  bool collected = false;  // this node was the collector and ran it
  bool dry_run = false;
  bool complete = true;    // false: stopped (lost the lock, listing failed, unreadable manifest)
  size_t objects = 0;      // blobs and manifests in the bucket
  size_t roots = 0;
  size_t reachable = 0;
  std::vector<BucketObject> manifests;  // removed (dry run: would be)
  std::vector<BucketObject> blobs;
  uint64_t bytes = 0;
  size_t recent = 0;   // unreachable, used within regcache.gc_grace: kept for now
  size_t skipped = 0;  // unreachable, being fetched or used since the listing
  size_t pruned_tags = 0;
  size_t pruned_pins = 0;
  size_t pruned_records = 0;
};

}  // namespace regcache::lifecycle
