#pragma once
// Reconciler: makes the index and the files agree at start-up, after a crash or
// a hand edit, before anything is served:
//  - temporary files of unfinished downloads (staging/) are deleted;
//  - index entries whose file is missing, or has another size, are forgotten;
//  - files the index does not know (a crash between publishing and indexing,
//    or between forgetting and deleting) are deleted;
//  - manifests indexed by an older version without their references get them
//    (read from the file), so garbage collection can follow them.
// One directory walk and one index transaction: fast with 100,000 blobs
// (bench/reconcile_bench measures it).

#include <chrono>
#include <cstddef>

#include "index/cache_index.hpp"
#include "storage/content_store.hpp"

namespace regcache::lifecycle {

struct ReconcileReport {
  size_t files = 0;            // published files found
  size_t forgotten = 0;        // index entries without (a complete) file
  size_t orphans_removed = 0;  // files without an index entry
  size_t refs_backfilled = 0;  // manifests whose references were added
  std::chrono::milliseconds took{0};
};

// `shared`: other nodes write to the same store, so content this node's index
// does not know is theirs and is kept (and so is a size mismatch: never deleted here).
ReconcileReport reconcile(index::CacheIndex& index, storage::ContentStore& store,
                          bool shared = false);

}  // namespace regcache::lifecycle
