#pragma once
// ContentRemover: the one way the lifecycle (eviction, TTL, GC, operator
// commands) deletes cached content. Safe while serving:
//  - content being downloaded is never removed (BlobFetcher is asked);
//  - the removal condition is re-checked under the index lock, so content used
//    or re-referenced since the decision stays;
//  - the index entry goes first, then the file: a crash in between leaves an
//    orphan file that start-up reconciliation deletes, never an entry without
//    its file;
//  - clients reading the file keep reading (an open descriptor survives unlink).

#include "cache/blob_fetcher.hpp"
#include "index/cache_index.hpp"
#include "storage/content_store.hpp"

namespace regcache::lifecycle {

class ContentRemover {
 public:
  // `fetcher` is null when the cache is not serving (offline commands).
  ContentRemover(storage::ContentStore& store, index::CacheIndex& index,
                 cache::BlobFetcher* fetcher)
      : store_(store), index_(index), fetcher_(fetcher) {}

  enum class Outcome { removed, kept, downloading };
  Outcome remove(const registry::Digest& digest, const index::RemovalCondition& condition);
  // On a bucket other nodes share, what this node's index no longer needs may
  // still serve theirs: forget it here, leave the object to the bucket's TTL
  // and budget (lifecycle/BucketCollector).
  void keep_store_content(bool keep) { keep_store_content_ = keep; }
  bool downloading(const registry::Digest& digest) const;

 private:
  storage::ContentStore& store_;
  index::CacheIndex& index_;
  cache::BlobFetcher* fetcher_;
  bool keep_store_content_ = false;
};

}  // namespace regcache::lifecycle
