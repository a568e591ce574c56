#include "cache/inflight_fetch.hpp"

namespace regcache::cache {
namespace {

bool same(const InflightFetch::Progress& a, const InflightFetch::Progress& b) {
  return a.state == b.state && a.available == b.available && a.total_size == b.total_size;
}

}  // namespace

InflightFetch::Progress InflightFetch::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

int InflightFetch::file_descriptor() const {
  std::lock_guard lock(mutex_);
  return file_ ? file_->native_handle() : -1;
}

std::optional<upstream::UpstreamFailure> InflightFetch::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool InflightFetch::storage_failed() const {
  std::lock_guard lock(mutex_);
  return storage_failed_;
}

void InflightFetch::fail_storage(upstream::UpstreamFailure failure) {
  std::unique_lock lock(mutex_);
  failure_ = std::move(failure);
  storage_failed_ = true;
  progress_.state = State::failed;
  if (file_) file_->discard();  // frees the space at once; followers switch to their own streams
  wake_all(lock);
}

void InflightFetch::notify_when_changed(const Progress& seen, std::function<void()> wake) {
  {
    std::lock_guard lock(mutex_);
    if (same(seen, progress_)) {
      waiters_.push_back(std::move(wake));
      return;
    }
  }
  wake();
}

void InflightFetch::begin(std::unique_ptr<storage::StagingFile> file,
                          std::optional<uint64_t> total_size) {
  std::unique_lock lock(mutex_);
  file_ = std::move(file);
  progress_.state = State::streaming;
  progress_.total_size = total_size;
  wake_all(lock);
}

void InflightFetch::advance(uint64_t available) {
  std::unique_lock lock(mutex_);
  progress_.available = available;
  wake_all(lock);
}

void InflightFetch::verified() {
  std::unique_lock lock(mutex_);
  progress_.state = State::verified;
  if (file_) progress_.total_size = progress_.available = file_->size();
  wake_all(lock);
}

void InflightFetch::complete() {
  std::unique_lock lock(mutex_);
  progress_.state = State::complete;
  if (file_) progress_.total_size = progress_.available = file_->size();
  wake_all(lock);
}

void InflightFetch::fail(upstream::UpstreamFailure failure) {
  std::unique_lock lock(mutex_);
  failure_ = std::move(failure);
  progress_.state = State::failed;
  if (file_) file_->discard();
  wake_all(lock);
}

void InflightFetch::wake_all(std::unique_lock<std::mutex>& lock) {
  if (waiters_.empty()) return;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  lock.unlock();
  for (auto& wake : waiters) wake();
}

}  // namespace regcache::cache
