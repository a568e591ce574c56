#include "index/cache_index.hpp"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace regcache::index {
namespace {

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("index: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) {
      spdlog::error("index: {}", sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    }
    return false;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS objects(
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  last_access INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS links(
  upstream TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL,
  PRIMARY KEY(upstream, repository, digest)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags(
  upstream TEXT NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL,
  digest TEXT NOT NULL, validated_at INTEGER NOT NULL,
  PRIMARY KEY(upstream, repository, tag)) WITHOUT ROWID;
)sql";

}  // namespace

CacheIndex::CacheIndex(const std::filesystem::path& file) {
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open index " + file.string() + ": " + why);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec(kSchema);

  Statement objects(db_, "SELECT digest, size, media_type, fetched_at, last_access FROM objects");
  while (objects.step()) {
    auto digest = Digest::parse(objects.text(0));
    if (!digest) continue;
    objects_.emplace(digest->hex(), ObjectRecord{*digest, static_cast<uint64_t>(objects.integer(1)),
                                                 objects.text(2), objects.integer(3),
                                                 objects.integer(4)});
  }
  Statement links(db_, "SELECT upstream, repository, digest FROM links");
  while (links.step()) {
    if (auto digest = Digest::parse(links.text(2))) {
      links_.insert(link_key(links.text(0), links.text(1), *digest));
    }
  }
  Statement tags(db_, "SELECT upstream, repository, tag, digest, validated_at FROM tags");
  while (tags.step()) {
    if (auto digest = Digest::parse(tags.text(3))) {
      tags_.emplace(tag_key(tags.text(0), tags.text(1), tags.text(2)),
                    TagRecord{*digest, tags.integer(4)});
    }
  }
}

CacheIndex::~CacheIndex() {
  flush_access_times();
  sqlite3_close(db_);
}

void CacheIndex::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("index: " + why);
  }
}

std::string CacheIndex::link_key(const std::string& upstream, const std::string& repository,
                                 const Digest& digest) {
  return upstream + '\n' + repository + '\n' + digest.hex();
}

std::string CacheIndex::tag_key(const std::string& upstream, const std::string& repository,
                                const std::string& tag) {
  return upstream + '\n' + repository + '\n' + tag;
}

std::optional<ObjectRecord> CacheIndex::object(const Digest& digest) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(digest.hex());
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

size_t CacheIndex::object_count() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

uint64_t CacheIndex::total_bytes() const {
  std::shared_lock lock(mutex_);
  uint64_t total = 0;
  for (const auto& [hex, record] : objects_) total += record.size;
  return total;
}

bool CacheIndex::usable() const {
  std::lock_guard lock(db_mutex_);
  if (db_ == nullptr) return false;
  return sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) ==
         SQLITE_OK;
}

std::vector<ObjectRecord> CacheIndex::objects() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectRecord> out;
  out.reserve(objects_.size());
  for (auto& [_, record] : objects_) out.push_back(record);
  return out;
}

void CacheIndex::put_object(const ObjectRecord& record) {
  {
    std::unique_lock lock(mutex_);
    objects_.insert_or_assign(record.digest.hex(), record);
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_,
              "INSERT INTO objects(digest, size, media_type, fetched_at, last_access) "
              "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(digest) DO UPDATE SET size=?2, "
              "media_type=?3, fetched_at=?4, last_access=?5");
  s.bind(1, record.digest.str())
      .bind(2, static_cast<int64_t>(record.size))
      .bind(3, record.media_type)
      .bind(4, record.fetched_at)
      .bind(5, record.last_access)
      .step();
}

void CacheIndex::remove_object(const Digest& digest) {
  {
    std::unique_lock lock(mutex_);
    objects_.erase(digest.hex());
    pending_access_.erase(digest.hex());
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_, "DELETE FROM objects WHERE digest = ?1");
  s.bind(1, digest.str()).step();
}

bool CacheIndex::linked(const std::string& upstream, const std::string& repository,
                        const Digest& digest) const {
  std::shared_lock lock(mutex_);
  return links_.contains(link_key(upstream, repository, digest));
}

void CacheIndex::link(const std::string& upstream, const std::string& repository,
                      const Digest& digest) {
  {
    std::unique_lock lock(mutex_);
    if (!links_.insert(link_key(upstream, repository, digest)).second) return;
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_, "INSERT OR IGNORE INTO links(upstream, repository, digest) VALUES(?1, ?2, ?3)");
  s.bind(1, upstream).bind(2, repository).bind(3, digest.str()).step();
}

std::optional<TagRecord> CacheIndex::tag(const std::string& upstream, const std::string& repository,
                                         const std::string& tag) const {
  std::shared_lock lock(mutex_);
  auto it = tags_.find(tag_key(upstream, repository, tag));
  if (it == tags_.end()) return std::nullopt;
  return it->second;
}

void CacheIndex::put_tag(const std::string& upstream, const std::string& repository,
                         const std::string& tag, const TagRecord& record) {
  {
    std::unique_lock lock(mutex_);
    tags_.insert_or_assign(tag_key(upstream, repository, tag), record);
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_,
              "INSERT INTO tags(upstream, repository, tag, digest, validated_at) "
              "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(upstream, repository, tag) "
              "DO UPDATE SET digest=?4, validated_at=?5");
  s.bind(1, upstream).bind(2, repository).bind(3, tag).bind(4, record.digest.str())
      .bind(5, record.validated_at)
      .step();
}

void CacheIndex::touch(const Digest& digest, int64_t now) {
  {
    std::shared_lock lock(mutex_);
    auto it = pending_access_.find(digest.hex());
    if (it != pending_access_.end() && it->second >= now) return;  // common case: nothing to do
  }
  std::unique_lock lock(mutex_);
  auto obj = objects_.find(digest.hex());
  if (obj == objects_.end()) return;
  obj->second.last_access = now;
  pending_access_[digest.hex()] = now;
}

void CacheIndex::flush_access_times() {
  std::unordered_map<std::string, int64_t> pending;
  {
    std::unique_lock lock(mutex_);
    pending.swap(pending_access_);
  }
  if (pending.empty()) return;
  std::lock_guard db_lock(db_mutex_);
  exec("BEGIN");
  Statement s(db_, "UPDATE objects SET last_access = ?2 WHERE digest = ?1");
  for (auto& [hex, when] : pending) {
    s.bind(1, "sha256:" + hex).bind(2, when).step();
    s.reset();
  }
  exec("COMMIT");
}

}  // namespace regcache::index
