#include "ops/recent_errors.hpp"

namespace regcache::ops {

void RecentErrors::add(ErrorEntry entry) {
  std::lock_guard lock(mutex_);
  entries_.push_front(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_back();
}

std::vector<ErrorEntry> RecentErrors::list() const {
  std::lock_guard lock(mutex_);
  return {entries_.begin(), entries_.end()};
}

}  // namespace regcache::ops
