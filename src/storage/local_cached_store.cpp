#include "storage/local_cached_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <random>

#include "util/sha256.hpp"

namespace regcache::storage {
namespace fs = std::filesystem;

// The local copies and their use order. Thread-safe.
struct LocalCachedStore::Shelf {
  Shelf(fs::path root, uint64_t max) : files(std::move(root)), max_bytes(max) {}

  FilesystemContentStore files;
  const uint64_t max_bytes;

  struct Entry {
    uint64_t size = 0;
    uint64_t used = 0;  // use order
  };
  std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;  // by hex
  std::map<uint64_t, std::string> by_use;          // least recently used first
  uint64_t total = 0, clock = 0;
  std::set<std::string> copying;  // being copied from the bucket by a reader
  std::set<std::string> pending;  // local only: the bucket was unreachable

  std::optional<uint64_t> find(const std::string& hex) {
    std::lock_guard lock(mutex);
    auto it = entries.find(hex);
    if (it == entries.end()) return std::nullopt;
    by_use.erase(it->second.used);
    it->second.used = ++clock;
    by_use.emplace(it->second.used, hex);
    return it->second.size;
  }

  void admit(const std::string& hex, uint64_t size) {
    std::lock_guard lock(mutex);
    if (auto it = entries.find(hex); it != entries.end()) {
      total -= it->second.size;
      by_use.erase(it->second.used);
    }
    entries[hex] = {size, ++clock};
    by_use.emplace(clock, hex);
    total += size;
    evict_locked();
  }

  void forget(const std::string& hex) {
    std::lock_guard lock(mutex);
    forget_locked(hex);
  }

  void forget_locked(const std::string& hex) {
    auto it = entries.find(hex);
    if (it == entries.end()) return;
    total -= it->second.size;
    by_use.erase(it->second.used);
    entries.erase(it);
    files.remove(Digest::from_sha256_hex(hex));  // open readers keep their descriptor
  }

  void evict_locked() {
    while (total > max_bytes && !by_use.empty()) {
      const std::string hex = by_use.begin()->second;
      if (pending.erase(hex) > 0) {
        spdlog::warn(
            "s3: local copy of sha256:{} evicted before it reached the bucket; fetched "
            "from upstream again when asked for",
            hex);
      }
      forget_locked(hex);
    }
  }

  bool start_copy(const std::string& hex) {
    std::lock_guard lock(mutex);
    return copying.insert(hex).second;
  }
  void end_copy(const std::string& hex) {
    std::lock_guard lock(mutex);
    copying.erase(hex);
  }
};

namespace {

// Reads from the bucket and, while the reads go in order from byte 0, writes
// the bytes to a local staging file; the whole blob, verified, becomes a local copy.
class CopyingReader final : public ContentReader {
 public:
  CopyingReader(std::unique_ptr<ContentReader> inner,
                std::shared_ptr<LocalCachedStore::Shelf> shelf, Digest digest,
                std::unique_ptr<StagingFile> staging)
      : inner_(std::move(inner)),
        shelf_(std::move(shelf)),
        digest_(std::move(digest)),
        staging_(std::move(staging)) {}
  ~CopyingReader() override {
    staging_.reset();  // unpublished: removed
    shelf_->end_copy(digest_.hex());
  }
  uint64_t size() const override { return inner_->size(); }
  int native_handle() const override { return -1; }
  Result<size_t, std::error_code> read_at(uint64_t offset, std::span<char> out) override {
    auto got = inner_->read_at(offset, out);
    if (!staging_ || !got.ok() || got.value() == 0) return got;
    if (offset != next_) {  // a range or a retry: no whole copy from this reader
      staging_.reset();
      return got;
    }
    std::span<const char> bytes(out.data(), got.value());
    if (staging_->append(bytes)) {
      staging_.reset();
      return got;
    }
    sha_.update(bytes);
    next_ += bytes.size();
    if (next_ == inner_->size()) keep();
    return got;
  }

 private:
  void keep() {
    if (sha_.finish_hex() == digest_.hex() && !staging_->sync() &&
        !shelf_->files.publish(*staging_, digest_)) {
      shelf_->admit(digest_.hex(), next_);
    }
    staging_.reset();
  }

  std::unique_ptr<ContentReader> inner_;
  std::shared_ptr<LocalCachedStore::Shelf> shelf_;
  Digest digest_;
  std::unique_ptr<StagingFile> staging_;
  Sha256 sha_;
  uint64_t next_ = 0;
};

// Hard-links the (verified, synced) staging file as the local copy of `digest`:
// no bytes are copied; the staging name goes away when it is uploaded.
bool link_local(FilesystemContentStore& files, const StagingFile& staged, const Digest& digest) {
  const fs::path target = files.path_of(digest);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return false;
  const fs::path temporary = target.string() + ".tmp" + std::to_string(std::random_device{}());
  const std::string source = "/proc/self/fd/" + std::to_string(staged.native_handle());
  if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, temporary.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return false;
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace

LocalCachedStore::LocalCachedStore(S3ContentStore& remote, const fs::path& local_root,
                                   uint64_t max_bytes)
    : remote_(remote),
      max_bytes_(max_bytes),
      shelf_(std::make_shared<Shelf>(local_root / "s3-local", max_bytes)) {
  shelf_->files.remove_abandoned_staging();
  shelf_->files.for_each([this](const Digest& digest, uint64_t size) {
    shelf_->admit(digest.hex(), size);  // evicts down to max_bytes (0: everything)
  });
  uploader_ = std::jthread([this](std::stop_token stop) { upload_pending(stop); });
}

LocalCachedStore::~LocalCachedStore() {
  uploader_.request_stop();
  if (uploader_.joinable()) uploader_.join();
}

uint64_t LocalCachedStore::local_bytes() const {
  std::lock_guard lock(shelf_->mutex);
  return shelf_->total;
}

std::optional<uint64_t> LocalCachedStore::size_of(const Digest& digest) {
  if (auto size = shelf_->find(digest.hex())) return size;
  return remote_.size_of(digest);
}

Result<std::unique_ptr<ContentReader>, std::error_code> LocalCachedStore::open(
    const Digest& digest) {
  if (shelf_->find(digest.hex())) {
    auto local = shelf_->files.open(digest);
    if (local) return local;
    shelf_->forget(digest.hex());  // removed under us: the bucket still has it
  }
  auto remote = remote_.open(digest);
  if (!remote || remote.value()->size() > max_bytes_ || !shelf_->start_copy(digest.hex())) {
    return remote;
  }
  auto staging = shelf_->files.create_staging();
  if (!staging) {
    shelf_->end_copy(digest.hex());
    return remote;
  }
  return std::unique_ptr<ContentReader>(std::make_unique<CopyingReader>(
      std::move(remote.value()), shelf_, digest, std::move(staging.value())));
}

Result<std::unique_ptr<StagingFile>, std::error_code> LocalCachedStore::create_staging() {
  return remote_.create_staging();
}

std::error_code LocalCachedStore::publish(StagingFile& staged, const Digest& digest) {
  const bool local = staged.size() <= max_bytes_ && link_local(shelf_->files, staged, digest);
  if (local) shelf_->admit(digest.hex(), staged.size());
  auto ec = remote_.publish(staged, digest);
  if (!ec) return {};
  if (local && !remote_.client().health().state().reachable) {
    // Served from here meanwhile; uploaded when the bucket answers again.
    std::lock_guard lock(shelf_->mutex);
    if (shelf_->entries.contains(digest.hex())) {
      shelf_->pending.insert(digest.hex());
      spdlog::info("s3: kept {} on local disk only; uploading it when the bucket answers again",
                   digest.str());
      return {};
    }
  }
  if (local) shelf_->forget(digest.hex());
  return ec;
}

std::optional<std::string> LocalCachedStore::redirect_url(const Digest& digest) {
  {
    std::lock_guard lock(shelf_->mutex);
    if (shelf_->pending.contains(digest.hex())) return std::nullopt;
  }
  return remote_.redirect_url(digest);
}

std::error_code LocalCachedStore::remove(const Digest& digest) {
  {
    std::lock_guard lock(shelf_->mutex);
    shelf_->pending.erase(digest.hex());
    shelf_->forget_locked(digest.hex());
  }
  return remote_.remove(digest);
}

void LocalCachedStore::for_each(const std::function<void(const Digest&, uint64_t)>& visit) {
  std::set<std::string> seen;
  remote_.for_each([&](const Digest& digest, uint64_t size) {
    seen.insert(digest.hex());
    visit(digest, size);
  });
  std::vector<std::pair<std::string, uint64_t>> local_only;
  {
    std::lock_guard lock(shelf_->mutex);
    for (const auto& [hex, entry] : shelf_->entries) {
      if (!seen.contains(hex)) local_only.emplace_back(hex, entry.size);
    }
  }
  for (const auto& [hex, size] : local_only) visit(Digest::from_sha256_hex(hex), size);
}

void LocalCachedStore::remove_abandoned_staging() { remote_.remove_abandoned_staging(); }

void LocalCachedStore::upload_pending(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, ObjectStoreHealth::kRetryInterval, [] { return false; });
    }
    std::vector<std::string> pending;
    {
      std::lock_guard lock(shelf_->mutex);
      pending.assign(shelf_->pending.begin(), shelf_->pending.end());
    }
    // Each attempt also probes the bucket (at most one per kRetryInterval).
    for (const auto& hex : pending) {
      if (stop.stop_requested()) return;
      const auto digest = Digest::from_sha256_hex(hex);
      auto file = shelf_->files.open(digest);
      if (!file) {
        std::lock_guard lock(shelf_->mutex);
        shelf_->pending.erase(hex);
        continue;
      }
      auto ec = remote_.client().put_file(remote_.key_of(digest), file.value()->native_handle(),
                                          file.value()->size(), hex);
      if (ec) break;  // still unreachable: next round
      std::lock_guard lock(shelf_->mutex);
      shelf_->pending.erase(hex);
      spdlog::info("s3: uploaded {} kept locally while the bucket was unreachable", digest.str());
    }
  }
}

}  // namespace regcache::storage
