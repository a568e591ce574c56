#pragma once
// CacheIndex: what the cache holds, persisted in SQLite and mirrored in memory
// for the request path.
//  - objects: every published blob/manifest (size, media type, fetch and last-access times)
//  - links:   which (upstream, repository) has been seen to reference a digest, so a
//             repository is only served content its upstream confirmed for it
//  - tags:    (upstream, repository, tag) -> manifest digest, with the time it was
//             last confirmed upstream
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
  size_t object_count() const;
  // Sum of the sizes of all objects (a scan: for metrics and checks, not the request path).
  uint64_t total_bytes() const;
  // The database still answers a query (for /readyz).
  bool usable() const;
  std::vector<ObjectRecord> objects() const;

  bool linked(const std::string& upstream, const std::string& repository,
              const Digest& digest) const;
  void link(const std::string& upstream, const std::string& repository, const Digest& digest);

  std::optional<TagRecord> tag(const std::string& upstream, const std::string& repository,
                               const std::string& tag) const;
  void put_tag(const std::string& upstream, const std::string& repository, const std::string& tag,
               const TagRecord& record);

  // Records a hit in memory; persisted by flush_access_times().
  void touch(const Digest& digest, int64_t now);
  void flush_access_times();

 private:
  void exec(const char* sql);
  static std::string link_key(const std::string& upstream, const std::string& repository,
                              const Digest& digest);
  static std::string tag_key(const std::string& upstream, const std::string& repository,
                             const std::string& tag);

  mutable std::shared_mutex mutex_;  // guards the maps below
  std::unordered_map<std::string, ObjectRecord> objects_;  // key: digest hex
  std::unordered_set<std::string> links_;
  std::unordered_map<std::string, TagRecord> tags_;
  std::unordered_map<std::string, int64_t> pending_access_;  // digest hex -> time

  mutable std::mutex db_mutex_;  // guards db_
  sqlite3* db_ = nullptr;
};

}  // namespace regcache::index
