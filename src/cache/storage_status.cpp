#include "cache/storage_status.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>

namespace regcache::cache {

bool is_out_of_space(const std::error_code& error) {
  return error.category() == std::generic_category() &&
         (error.value() == ENOSPC || error.value() == EDQUOT);
}

StorageStatus::State StorageStatus::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void StorageStatus::report_write_failure(const std::error_code& error, uint64_t needed,
                                         int64_t now) {
  std::lock_guard lock(mutex_);
  state_.needed = std::max(state_.needed, needed);
  if (!state_.caching) return;
  state_.caching = false;
  state_.since = now;
  state_.reason = "cannot write to the cache storage: " + error.message();
  caching_.store(false);
  spdlog::error(
      "storage: {}; caching paused: cached content is still served, new content is streamed "
      "to clients without being cached",
      state_.reason);
}

void StorageStatus::report_space(uint64_t free_bytes, uint64_t total_bytes) {
  std::lock_guard lock(mutex_);
  state_.free_bytes = free_bytes;
  state_.total_bytes = total_bytes;
}

uint64_t StorageStatus::resume_threshold(uint64_t keep_free) const {
  std::lock_guard lock(mutex_);
  return state_.caching ? 0 : keep_free + state_.needed;
}

void StorageStatus::resume(int64_t now) {
  std::lock_guard lock(mutex_);
  if (state_.caching) return;
  spdlog::info("storage: {} bytes free again; caching resumed (paused for {} s)", state_.free_bytes,
               now - state_.since);
  state_.caching = true;
  state_.reason.clear();
  state_.needed = 0;
  state_.since = now;
  caching_.store(true);
}

}  // namespace regcache::cache
