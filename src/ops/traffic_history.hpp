#pragma once
// TrafficHistory: traffic over the last hour for the status page's chart, in
// fixed slots (10 s each, 360 of them). The application samples the
// cumulative counters on a timer; each slot keeps the difference to the
// previous sample, so the memory is fixed and nothing is done per request.

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace regcache::ops {

struct TrafficTotals {
  uint64_t requests = 0;
  uint64_t bytes_from_cache = 0;     // served to clients from the cache
  uint64_t bytes_from_upstream = 0;  // served to clients while fetched from upstream
  uint64_t upstream_bytes = 0;       // received from upstreams
  uint64_t errors = 0;               // 5xx answers
};

struct TrafficSlot {
  int64_t time = 0;  // unix seconds at the end of the slot
  TrafficTotals delta;
};

class TrafficHistory {
 public:
  explicit TrafficHistory(size_t slots = 360) : capacity_(slots) {}

  // Records the cumulative totals at `now`; the first call only sets the base.
  void sample(int64_t now, const TrafficTotals& totals);
  std::vector<TrafficSlot> slots() const;  // oldest first

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::optional<TrafficTotals> last_;
  std::vector<TrafficSlot> ring_;
  size_t next_ = 0;
};

}  // namespace regcache::ops
