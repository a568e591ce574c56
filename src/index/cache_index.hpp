#pragma once
// CacheIndex: what the cache holds, persisted in SQLite and mirrored in memory
// for the request path.
//  - objects: every published blob/manifest (size, media type, fetch and last-access times)
//  - links:   which (upstream, repository) has been seen to reference a digest, so a
//             repository is only served content its upstream confirmed for it
//  - tags:    (upstream, repository, tag) -> manifest digest, with the time it was
//             last confirmed upstream
//  - refs:    manifest -> the digests it references (config, layers, child manifests);
//             what garbage collection and per-image usage follow
//  - pins:    (upstream, repository, manifest digest) a client asked for by digest
//             while no tag reached it (a pinned pull): kept by garbage collection
// Writes for new content go straight to SQLite (WAL). Last-access times are
// buffered and written by flush_access_times(), so hits cost no disk write.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "registry/digest.hpp"

struct sqlite3;

namespace regcache::index {

using registry::Digest;

struct ObjectRecord {
  Digest digest;
  uint64_t size = 0;
  std::string media_type;  // manifests only; empty for layers/configs
  int64_t fetched_at = 0;  // unix seconds
  int64_t last_access = 0;
};

struct TagRecord {
  Digest digest;
  int64_t validated_at = 0;  // unix seconds of the last upstream confirmation
};

struct LinkEntry {
  std::string upstream;
  std::string repository;
  Digest digest;
};

struct TagEntry {
  std::string upstream;
  std::string repository;
  std::string tag;
  TagRecord record;
};

// A consistent copy of everything the index holds, for the lifecycle and the
// operator commands (one lock acquisition; the request path is not held up).
struct IndexSnapshot {
  std::vector<ObjectRecord> objects;
  std::vector<LinkEntry> links;
  std::vector<TagEntry> tags;
  std::vector<LinkEntry> pins;
  std::unordered_map<std::string, std::vector<Digest>> refs;  // parent hex -> children
};

// When a removal still applies; checked under the index lock at the moment of
// removal, so content used or re-referenced meanwhile stays.
struct RemovalCondition {
  std::optional<int64_t> idle_before;  // only if last_access < this (eviction, TTL)
  bool unreachable = false;            // only if no tag, pin or present object refers to it
};

class CacheIndex {
 public:
  // Opens or creates the database. Throws std::runtime_error when it cannot (start-up).
  explicit CacheIndex(const std::filesystem::path& file);
  ~CacheIndex();
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;

  std::optional<ObjectRecord> object(const Digest& digest) const;
  void put_object(const ObjectRecord& record);
  void remove_object(const Digest& digest);
  // Removes the object if `condition` holds now; true if it was removed.
  bool remove_object_if(const Digest& digest, const RemovalCondition& condition);
  // Many removals in one transaction (start-up reconciliation, verify --fix).
  void remove_objects(const std::vector<Digest>& digests);
  size_t object_count() const;
  // Sum of the sizes of all objects (kept up to date: cheap).
  uint64_t total_bytes() const;
  // The database still answers a query (for /readyz).
  bool usable() const;
  std::vector<ObjectRecord> objects() const;
  IndexSnapshot snapshot() const;

  // What a manifest references; idempotent.
  void add_refs(const Digest& parent, const std::vector<Digest>& children);
  bool has_refs(const Digest& parent) const;
  // True if a tag points at `digest` or at a present object that references it.
  bool reachable_from_tag(const Digest& digest) const;
  // True when the pin is new (it was not pinned for this repository yet).
  bool pin(const std::string& upstream, const std::string& repository, const Digest& digest);

  bool linked(const std::string& upstream, const std::string& repository,
              const Digest& digest) const;
  void link(const std::string& upstream, const std::string& repository, const Digest& digest);

  std::optional<TagRecord> tag(const std::string& upstream, const std::string& repository,
                               const std::string& tag) const;
  void put_tag(const std::string& upstream, const std::string& repository, const std::string& tag,
               const TagRecord& record);
  void remove_tag(const std::string& upstream, const std::string& repository,
                  const std::string& tag);
  void unpin(const std::string& upstream, const std::string& repository, const Digest& digest);
  void remove_link(const std::string& upstream, const std::string& repository,
                   const Digest& digest);

  // Records a hit in memory; persisted by flush_access_times().
  void touch(const Digest& digest, int64_t now);
  // Returns what it wrote (digest hex, time), for nodes sharing a bucket.
  std::vector<std::pair<std::string, int64_t>> flush_access_times();

 private:
  void exec(const char* sql);  // start-up only: throws
  void begin();                // data path: log, never throw
  void commit();
  bool rooted_locked(const std::string& hex) const;
  void erase_object_locked(const std::string& hex);
  void delete_object_rows(const std::string& digest);
  static std::string link_key(const std::string& upstream, const std::string& repository,
                              const Digest& digest);
  static std::string tag_key(const std::string& upstream, const std::string& repository,
                             const std::string& tag);

  mutable std::shared_mutex mutex_;  // guards the maps below
  std::unordered_map<std::string, ObjectRecord> objects_;  // key: digest hex
  std::unordered_set<std::string> links_;
  std::unordered_map<std::string, TagRecord> tags_;
  std::unordered_map<std::string, int64_t> pending_access_;  // digest hex -> time
  std::unordered_map<std::string, std::vector<std::string>> children_;  // parent hex -> child hex
  std::unordered_map<std::string, std::unordered_set<std::string>> parents_;  // child -> parents
  std::unordered_map<std::string, unsigned> tag_targets_;  // manifest hex -> tags pointing at it
  std::unordered_set<std::string> pins_;                   // link_key of pinned manifests
  std::unordered_map<std::string, unsigned> pin_counts_;   // hex -> pins
  uint64_t total_size_ = 0;

  mutable std::mutex db_mutex_;  // guards db_
  sqlite3* db_ = nullptr;
};

}  // namespace regcache::index
