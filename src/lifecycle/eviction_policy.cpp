#include "lifecycle/eviction_policy.hpp"

#include <algorithm>

namespace regcache::lifecycle {
namespace {

uint64_t share(uint64_t value, unsigned percent) {
  if (value == EvictionPolicy::kUnlimited) return value;
  return static_cast<uint64_t>(static_cast<long double>(value) * percent / 100.0L);
}

}  // namespace

uint64_t EvictionPolicy::budget(uint64_t cache_bytes, const FilesystemSpace& fs) const {
  uint64_t limit = kUnlimited;
  if (config_.max_size.is_set()) limit = config_.max_size.resolve(fs.total);
  if (config_.min_free_space.is_set()) {
    const uint64_t keep_free = config_.min_free_space.resolve(fs.total);
    const uint64_t reclaimable = cache_bytes + fs.free;
    limit = std::min(limit, reclaimable > keep_free ? reclaimable - keep_free : 0);
  }
  return limit;
}

bool EvictionPolicy::over_high_watermark(uint64_t cache_bytes, const FilesystemSpace& fs) const {
  const uint64_t limit = budget(cache_bytes, fs);
  return limit != kUnlimited && cache_bytes > share(limit, config_.high_watermark);
}

EvictionPlan EvictionPolicy::plan(
    std::vector<index::ObjectRecord> objects, uint64_t cache_bytes, const FilesystemSpace& fs,
    const std::function<bool(const index::ObjectRecord&)>& in_use) const {
  EvictionPlan out;
  out.budget = budget(cache_bytes, fs);
  if (out.budget == kUnlimited || cache_bytes <= share(out.budget, config_.high_watermark)) {
    out.target = cache_bytes;
    return out;
  }
  out.target = share(out.budget, config_.low_watermark);
  std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) {
    if (a.last_access != b.last_access) return a.last_access < b.last_access;
    if (a.size != b.size) return a.size > b.size;
    return a.digest < b.digest;
  });
  uint64_t remaining = cache_bytes;
  for (auto& object : objects) {
    if (remaining <= out.target) break;
    if (in_use && in_use(object)) continue;
    remaining -= std::min(remaining, object.size);
    out.bytes += object.size;
    out.victims.push_back(std::move(object));
  }
  out.reachable = remaining <= out.target;
  return out;
}

}  // namespace regcache::lifecycle
