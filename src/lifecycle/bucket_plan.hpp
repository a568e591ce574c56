#pragma once
// BucketPlan: which objects of a bucket shared by several nodes the collector
// removes in one pass. Pure (no I/O), so it is unit-tested with made-up numbers.
//
// First TTL: every object whose last access by any node is older than its TTL
// goes. Then the budget: when what is left exceeds high_watermark % of
// max_size, the least recently used objects go until low_watermark % of it is
// reached. Objects for which `protect` is true (a node holds a fetch lease,
// this node downloads it) are never chosen.

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "registry/digest.hpp"

namespace regcache::lifecycle {

struct BucketObject {
  registry::Digest digest;
  uint64_t size = 0;
  int64_t last_access = 0;  // unix seconds: last use by any node, else the upload time
};

struct BucketLimits {
  static constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();
  uint64_t max_bytes = kUnlimited;  // regcache.max_size, resolved
  unsigned high_watermark = 95;
  unsigned low_watermark = 85;
};

struct BucketPlan {
  std::vector<BucketObject> expired;  // TTL passed
  std::vector<BucketObject> evicted;  // least recently used first, to meet the budget
  uint64_t bytes = 0;                 // bucket bytes before the pass
  uint64_t remaining = 0;             // bytes after removing all of the above
  bool over_budget = false;           // above the high watermark before the pass
  bool reachable = true;              // false: the budget cannot be met (protected objects)
};

// `ttl_of(hex)`: the object's TTL in seconds, 0 = never expires.
BucketPlan plan_bucket_pass(std::vector<BucketObject> objects, const BucketLimits& limits,
                            int64_t now, const std::function<int64_t(const std::string&)>& ttl_of,
                            const std::function<bool(const registry::Digest&)>& protect);

}  // namespace regcache::lifecycle
