#include "lifecycle/bucket_plan.hpp"

#include <algorithm>

namespace regcache::lifecycle {
namespace {

uint64_t share(uint64_t value, unsigned percent) {
  if (value == BucketLimits::kUnlimited) return value;
  return static_cast<uint64_t>(static_cast<long double>(value) * percent / 100.0L);
}

}  // namespace

BucketPlan plan_bucket_pass(std::vector<BucketObject> objects, const BucketLimits& limits,
                            int64_t now, const std::function<int64_t(const std::string&)>& ttl_of,
                            const std::function<bool(const registry::Digest&)>& protect) {
  BucketPlan out;
  for (const auto& object : objects) out.bytes += object.size;
  out.remaining = out.bytes;
  auto is_protected = [&](const BucketObject& object) { return protect && protect(object.digest); };

  std::vector<BucketObject> kept;
  kept.reserve(objects.size());
  for (auto& object : objects) {
    const int64_t ttl = ttl_of ? ttl_of(object.digest.hex()) : 0;
    if (ttl > 0 && object.last_access < now - ttl && !is_protected(object)) {
      out.remaining -= object.size;
      out.expired.push_back(std::move(object));
    } else {
      kept.push_back(std::move(object));
    }
  }

  out.over_budget = out.remaining > share(limits.max_bytes, limits.high_watermark);
  if (!out.over_budget) return out;
  const uint64_t target = share(limits.max_bytes, limits.low_watermark);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    if (a.last_access != b.last_access) return a.last_access < b.last_access;
    if (a.size != b.size) return a.size > b.size;
    return a.digest < b.digest;
  });
  for (auto& object : kept) {
    if (out.remaining <= target) break;
    if (is_protected(object)) continue;
    out.remaining -= object.size;
    out.evicted.push_back(std::move(object));
  }
  out.reachable = out.remaining <= target;
  return out;
}

}  // namespace regcache::lifecycle
