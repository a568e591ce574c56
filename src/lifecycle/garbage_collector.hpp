#pragma once
// GarbageCollector: online mark and sweep over the index.
//
// Roots are the cached tags and the pinned manifests (asked for by digest while
// no tag reached them). Everything reachable from a root through manifest
// references stays: a blob shared by several repositories stays while any of
// their manifests is cached. Everything else goes: blobs no cached manifest
// references, manifests no tag or index reaches any more (a tag moved on).
//
// Runs while the cache serves: each removal re-checks, under the index lock,
// that nothing refers to the object now (ContentRemover), and downloads in
// progress are left alone. Parents go before children, so a child is only
// judged once its last parent is gone.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/cache_index.hpp"
#include "lifecycle/bucket_marking.hpp"
#include "lifecycle/content_remover.hpp"
#include "util/clock.hpp"

namespace regcache::lifecycle {

struct GcReport {
  bool dry_run = false;
  std::vector<index::ObjectRecord> manifests;  // removed (or, dry run, would be)
  std::vector<index::ObjectRecord> blobs;
  uint64_t bytes = 0;
  size_t kept = 0;          // objects left in the cache
  size_t skipped = 0;       // candidates kept: in use, downloading or referenced again
  size_t pruned_tags = 0;   // tags whose manifest is no longer cached
  size_t pruned_links = 0;  // repository links to content no longer cached or referenced
  // The shared bucket's collection, when this node is its collector.
  std::optional<BucketGcReport> bucket;
};

class GarbageCollector {
 public:
  GarbageCollector(index::CacheIndex& index, ContentRemover& remover, const Clock& clock)
      : index_(index), remover_(remover), clock_(clock) {}

  GcReport collect(bool dry_run);

 private:
  index::CacheIndex& index_;
  ContentRemover& remover_;
  const Clock& clock_;
};

// Objects of `snapshot` not reachable from its tags and pins, parents first.
std::vector<index::ObjectRecord> unreachable_objects(const index::IndexSnapshot& snapshot);

}  // namespace regcache::lifecycle
