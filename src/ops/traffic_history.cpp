#include "ops/traffic_history.hpp"

namespace regcache::ops {
namespace {

uint64_t minus(uint64_t now, uint64_t before) { return now >= before ? now - before : 0; }

}  // namespace

void TrafficHistory::sample(int64_t now, const TrafficTotals& totals) {
  std::lock_guard lock(mutex_);
  if (last_) {
    TrafficSlot slot{
        now,
        {minus(totals.requests, last_->requests),
         minus(totals.bytes_from_cache, last_->bytes_from_cache),
         minus(totals.bytes_from_upstream, last_->bytes_from_upstream),
         minus(totals.upstream_bytes, last_->upstream_bytes), minus(totals.errors, last_->errors)}};
    if (ring_.size() < capacity_) {
      ring_.push_back(slot);
    } else {
      ring_[next_] = slot;
    }
    next_ = (next_ + 1) % capacity_;
  }
  last_ = totals;
}

std::vector<TrafficSlot> TrafficHistory::slots() const {
  std::lock_guard lock(mutex_);
  if (ring_.size() < capacity_) return ring_;
  std::vector<TrafficSlot> out(ring_.begin() + static_cast<std::ptrdiff_t>(next_), ring_.end());
  out.insert(out.end(), ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(next_));
  return out;
}

}  // namespace regcache::ops
