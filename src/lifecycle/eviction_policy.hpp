#pragma once
// EvictionPolicy: how much the cache may hold, and which content goes when it
// holds too much. Pure (no I/O), so it is unit-tested with made-up numbers.
//
// The budget is the smaller of `max_size` and what keeps `min_free_space` free
// on the filesystem (the cache's own bytes count as reclaimable). Eviction
// starts above high_watermark % of the budget and removes the least recently
// used content until the cache is at low_watermark % of it.

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "config/config.hpp"
#include "index/cache_index.hpp"
#include "lifecycle/filesystem_space.hpp"

namespace regcache::lifecycle {

struct EvictionPlan {
  std::vector<index::ObjectRecord> victims;  // least recently used first
  uint64_t bytes = 0;                        // their total size
  uint64_t budget = 0;
  uint64_t target = 0;    // cache bytes to get down to
  bool reachable = true;  // false: even evicting all idle content is not enough
};

class EvictionPolicy {
 public:
  static constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

  explicit EvictionPolicy(const config::LifecycleConfig& config) : config_(config) {}

  // The most the cache may hold now; kUnlimited without max_size and min_free_space.
  uint64_t budget(uint64_t cache_bytes, const FilesystemSpace& fs) const;
  bool over_high_watermark(uint64_t cache_bytes, const FilesystemSpace& fs) const;
  // What to evict, least recently used first (ties: larger first); objects for
  // which `in_use` is true (being downloaded) are skipped.
  EvictionPlan plan(std::vector<index::ObjectRecord> objects, uint64_t cache_bytes,
                    const FilesystemSpace& fs,
                    const std::function<bool(const index::ObjectRecord&)>& in_use) const;

 private:
  config::LifecycleConfig config_;
};

}  // namespace regcache::lifecycle
