#include "storage/hot_content_store.hpp"

#include <unistd.h>

#include <cerrno>

#include "storage/memory_reader.hpp"

namespace regcache::storage {
namespace {

// The whole file behind `fd`, or nullptr if it could not be read as promised.
std::shared_ptr<const std::string> read_whole(int fd, uint64_t size) {
  auto bytes = std::make_shared<std::string>(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, bytes->data() + got, size - got, static_cast<off_t>(got));
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return nullptr;
    }
  }
  return bytes;
}

}  // namespace

HotContentStore::HotContentStore(ContentStore& inner, uint64_t max_bytes, uint64_t max_object)
    : inner_(inner), max_bytes_(max_bytes), max_object_(std::min(max_object, max_bytes)) {}

std::optional<uint64_t> HotContentStore::size_of(const Digest& digest) {
  if (auto bytes = find(digest.hex())) return bytes->size();
  return inner_.size_of(digest);
}

Result<std::unique_ptr<ContentReader>, std::error_code> HotContentStore::open(
    const Digest& digest) {
  if (auto bytes = find(digest.hex())) {
    return std::unique_ptr<ContentReader>(std::make_unique<MemoryReader>(std::move(bytes)));
  }
  const uint64_t removals_seen = removals();
  auto opened = inner_.open(digest);
  if (!opened.ok()) return opened;
  ContentReader& reader = *opened.value();
  if (reader.native_handle() < 0 || reader.size() > max_object_) return opened;
  auto bytes = read_whole(reader.native_handle(), reader.size());
  if (!bytes) return opened;  // the file's own reader reports the problem
  keep(digest.hex(), bytes, removals_seen);
  return std::unique_ptr<ContentReader>(std::make_unique<MemoryReader>(std::move(bytes)));
}

Result<std::unique_ptr<StagingFile>, std::error_code> HotContentStore::create_staging() {
  return inner_.create_staging();
}

std::error_code HotContentStore::publish(StagingFile& staged, const Digest& digest) {
  return inner_.publish(staged, digest);
}

std::error_code HotContentStore::remove(const Digest& digest) {
  forget(digest.hex());
  return inner_.remove(digest);
}

void HotContentStore::for_each(const std::function<void(const Digest&, uint64_t)>& visit) {
  inner_.for_each(visit);
}

void HotContentStore::remove_abandoned_staging() { inner_.remove_abandoned_staging(); }

uint64_t HotContentStore::bytes_held() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

HotContentStore::Bytes HotContentStore::find(const std::string& hex) {
  std::lock_guard lock(mutex_);
  auto it = by_hex_.find(hex);
  if (it == by_hex_.end()) return nullptr;
  recent_.splice(recent_.begin(), recent_, it->second);
  return it->second->bytes;
}

uint64_t HotContentStore::removals() const {
  std::lock_guard lock(mutex_);
  return removals_;
}

void HotContentStore::keep(const std::string& hex, Bytes bytes, uint64_t removals_seen) {
  std::lock_guard lock(mutex_);
  if (removals_ != removals_seen) return;
  if (by_hex_.contains(hex)) return;  // another request copied it meanwhile
  bytes_ += bytes->size();
  recent_.push_front(Entry{hex, std::move(bytes)});
  by_hex_.emplace(hex, recent_.begin());
  while (bytes_ > max_bytes_ && !recent_.empty()) {
    bytes_ -= recent_.back().bytes->size();
    by_hex_.erase(recent_.back().hex);
    recent_.pop_back();
  }
}

void HotContentStore::forget(const std::string& hex) {
  std::lock_guard lock(mutex_);
  ++removals_;
  auto it = by_hex_.find(hex);
  if (it == by_hex_.end()) return;
  bytes_ -= it->second->bytes->size();
  recent_.erase(it->second);
  by_hex_.erase(it);
}

}  // namespace regcache::storage
