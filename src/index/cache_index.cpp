#include "index/cache_index.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
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
CREATE TABLE IF NOT EXISTS refs(
  parent TEXT NOT NULL, child TEXT NOT NULL,
  PRIMARY KEY(parent, child)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pins(
  upstream TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL,
  PRIMARY KEY(upstream, repository, digest)) WITHOUT ROWID;
)sql";

// Splits a "a\nb\nc" map key.
std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto end = key.find('\n', start);
    parts.push_back(key.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

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
    auto [it, inserted] = objects_.emplace(
        digest->hex(), ObjectRecord{*digest, static_cast<uint64_t>(objects.integer(1)),
                                    objects.text(2), objects.integer(3), objects.integer(4)});
    if (inserted) total_size_ += it->second.size;
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
      if (tags_
              .emplace(tag_key(tags.text(0), tags.text(1), tags.text(2)),
                       TagRecord{*digest, tags.integer(4)})
              .second) {
        ++tag_targets_[digest->hex()];
      }
    }
  }
  Statement refs(db_, "SELECT parent, child FROM refs");
  while (refs.step()) {
    auto parent = Digest::parse(refs.text(0));
    auto child = Digest::parse(refs.text(1));
    if (!parent || !child || !objects_.contains(parent->hex())) continue;
    children_[parent->hex()].push_back(child->hex());
    parents_[child->hex()].insert(parent->hex());
  }
  Statement pins(db_, "SELECT upstream, repository, digest FROM pins");
  while (pins.step()) {
    if (auto digest = Digest::parse(pins.text(2))) {
      if (pins_.insert(link_key(pins.text(0), pins.text(1), *digest)).second) {
        ++pin_counts_[digest->hex()];
      }
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

// Transactions on the data path never throw: a full disk (SQLITE_FULL) is
// logged and the memory maps stay right; what the file missed, the next
// start's reconciliation sorts out (files without rows are deleted).
void CacheIndex::begin() {
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    spdlog::error("index: {}", sqlite3_errmsg(db_));
  }
}

void CacheIndex::commit() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    spdlog::error("index: cannot write: {}", sqlite3_errmsg(db_));
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
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
  return total_size_;
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
    auto [it, inserted] = objects_.try_emplace(record.digest.hex(), record);
    if (!inserted) {
      total_size_ -= it->second.size;
      it->second = record;
    }
    total_size_ += record.size;
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

void CacheIndex::erase_object_locked(const std::string& hex) {
  auto it = objects_.find(hex);
  if (it == objects_.end()) return;
  total_size_ -= it->second.size;
  objects_.erase(it);
  pending_access_.erase(hex);
  auto children = children_.find(hex);
  if (children == children_.end()) return;
  for (const auto& child : children->second) {
    auto parents = parents_.find(child);
    if (parents == parents_.end()) continue;
    parents->second.erase(hex);
    if (parents->second.empty()) parents_.erase(parents);
  }
  children_.erase(children);
}

bool CacheIndex::rooted_locked(const std::string& hex) const {
  if (auto t = tag_targets_.find(hex); t != tag_targets_.end() && t->second > 0) return true;
  if (auto p = pin_counts_.find(hex); p != pin_counts_.end() && p->second > 0) return true;
  auto parents = parents_.find(hex);
  if (parents == parents_.end()) return false;
  for (const auto& parent : parents->second) {
    if (objects_.contains(parent)) return true;
  }
  return false;
}

// Needs db_mutex_.
void CacheIndex::delete_object_rows(const std::string& digest) {
  Statement objects(db_, "DELETE FROM objects WHERE digest = ?1");
  objects.bind(1, digest).step();
  Statement refs(db_, "DELETE FROM refs WHERE parent = ?1");
  refs.bind(1, digest).step();
}

void CacheIndex::remove_object(const Digest& digest) {
  {
    std::unique_lock lock(mutex_);
    erase_object_locked(digest.hex());
  }
  std::lock_guard db_lock(db_mutex_);
  delete_object_rows(digest.str());
}

bool CacheIndex::remove_object_if(const Digest& digest, const RemovalCondition& condition) {
  {
    std::unique_lock lock(mutex_);
    auto it = objects_.find(digest.hex());
    if (it == objects_.end()) return false;
    if (condition.idle_before && it->second.last_access >= *condition.idle_before) return false;
    if (condition.unreachable && rooted_locked(digest.hex())) return false;
    erase_object_locked(digest.hex());
  }
  std::lock_guard db_lock(db_mutex_);
  delete_object_rows(digest.str());
  return true;
}

void CacheIndex::remove_objects(const std::vector<Digest>& digests) {
  if (digests.empty()) return;
  {
    std::unique_lock lock(mutex_);
    for (const auto& digest : digests) erase_object_locked(digest.hex());
  }
  std::lock_guard db_lock(db_mutex_);
  begin();
  for (const auto& digest : digests) delete_object_rows(digest.str());
  commit();
}

IndexSnapshot CacheIndex::snapshot() const {
  IndexSnapshot out;
  std::shared_lock lock(mutex_);
  out.objects.reserve(objects_.size());
  for (const auto& [_, record] : objects_) out.objects.push_back(record);
  auto triple = [](const std::string& key) -> std::optional<LinkEntry> {
    auto parts = split_key(key);
    if (parts.size() != 3) return std::nullopt;
    auto digest = Digest::from_sha256_hex(parts[2]);
    return LinkEntry{parts[0], parts[1], digest};
  };
  out.links.reserve(links_.size());
  for (const auto& key : links_) {
    if (auto link = triple(key)) out.links.push_back(std::move(*link));
  }
  for (const auto& key : pins_) {
    if (auto pin = triple(key)) out.pins.push_back(std::move(*pin));
  }
  out.tags.reserve(tags_.size());
  for (const auto& [key, record] : tags_) {
    auto parts = split_key(key);
    if (parts.size() == 3) out.tags.push_back({parts[0], parts[1], parts[2], record});
  }
  for (const auto& [parent, children] : children_) {
    auto& list = out.refs[parent];
    for (const auto& child : children) list.push_back(Digest::from_sha256_hex(child));
  }
  return out;
}

void CacheIndex::add_refs(const Digest& parent, const std::vector<Digest>& children) {
  std::vector<const Digest*> added;
  {
    std::unique_lock lock(mutex_);
    auto& list = children_[parent.hex()];
    for (const auto& child : children) {
      if (std::find(list.begin(), list.end(), child.hex()) != list.end()) continue;
      list.push_back(child.hex());
      parents_[child.hex()].insert(parent.hex());
      added.push_back(&child);
    }
  }
  if (added.empty()) return;
  std::lock_guard db_lock(db_mutex_);
  begin();
  Statement s(db_, "INSERT OR IGNORE INTO refs(parent, child) VALUES(?1, ?2)");
  for (const auto* child : added) {
    s.bind(1, parent.str()).bind(2, child->str()).step();
    s.reset();
  }
  commit();
}

bool CacheIndex::has_refs(const Digest& parent) const {
  std::shared_lock lock(mutex_);
  return children_.contains(parent.hex());
}

bool CacheIndex::reachable_from_tag(const Digest& digest) const {
  std::shared_lock lock(mutex_);
  auto tagged = [&](const std::string& hex) {
    auto t = tag_targets_.find(hex);
    return t != tag_targets_.end() && t->second > 0;
  };
  if (tagged(digest.hex())) return true;
  auto parents = parents_.find(digest.hex());
  if (parents == parents_.end()) return false;
  for (const auto& parent : parents->second) {
    if (objects_.contains(parent) && tagged(parent)) return true;
  }
  return false;
}

bool CacheIndex::pin(const std::string& upstream, const std::string& repository,
                     const Digest& digest) {
  {
    std::unique_lock lock(mutex_);
    if (!pins_.insert(link_key(upstream, repository, digest)).second) return false;
    ++pin_counts_[digest.hex()];
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_, "INSERT OR IGNORE INTO pins(upstream, repository, digest) VALUES(?1, ?2, ?3)");
  s.bind(1, upstream).bind(2, repository).bind(3, digest.str()).step();
  return true;
}

void CacheIndex::unpin(const std::string& upstream, const std::string& repository,
                       const Digest& digest) {
  {
    std::unique_lock lock(mutex_);
    if (pins_.erase(link_key(upstream, repository, digest)) == 0) return;
    if (--pin_counts_[digest.hex()] == 0) pin_counts_.erase(digest.hex());
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_, "DELETE FROM pins WHERE upstream = ?1 AND repository = ?2 AND digest = ?3");
  s.bind(1, upstream).bind(2, repository).bind(3, digest.str()).step();
}

void CacheIndex::remove_link(const std::string& upstream, const std::string& repository,
                             const Digest& digest) {
  {
    std::unique_lock lock(mutex_);
    if (links_.erase(link_key(upstream, repository, digest)) == 0) return;
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_, "DELETE FROM links WHERE upstream = ?1 AND repository = ?2 AND digest = ?3");
  s.bind(1, upstream).bind(2, repository).bind(3, digest.str()).step();
}

void CacheIndex::remove_tag(const std::string& upstream, const std::string& repository,
                            const std::string& tag) {
  {
    std::unique_lock lock(mutex_);
    auto it = tags_.find(tag_key(upstream, repository, tag));
    if (it == tags_.end()) return;
    auto hex = it->second.digest.hex();
    tags_.erase(it);
    if (--tag_targets_[hex] == 0) tag_targets_.erase(hex);
  }
  std::lock_guard db_lock(db_mutex_);
  Statement s(db_, "DELETE FROM tags WHERE upstream = ?1 AND repository = ?2 AND tag = ?3");
  s.bind(1, upstream).bind(2, repository).bind(3, tag).step();
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
    auto [it, inserted] = tags_.try_emplace(tag_key(upstream, repository, tag), record);
    if (!inserted) {
      auto old = it->second.digest.hex();
      if (--tag_targets_[old] == 0) tag_targets_.erase(old);
      it->second = record;
    }
    ++tag_targets_[record.digest.hex()];
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

std::vector<std::pair<std::string, int64_t>> CacheIndex::flush_access_times() {
  std::unordered_map<std::string, int64_t> pending;
  {
    std::unique_lock lock(mutex_);
    pending.swap(pending_access_);
  }
  if (pending.empty()) return {};
  std::lock_guard db_lock(db_mutex_);
  begin();
  Statement s(db_, "UPDATE objects SET last_access = ?2 WHERE digest = ?1");
  for (auto& [hex, when] : pending) {
    s.bind(1, "sha256:" + hex).bind(2, when).step();
    s.reset();
  }
  commit();
  return {pending.begin(), pending.end()};
}

}  // namespace regcache::index
