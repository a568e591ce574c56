#pragma once
// Counter: a monotonically increasing count (requests, bytes), sharded per
// thread so the warm path never contends on one cache line.

#include <cstdint>

#include "metrics/shard.hpp"

namespace regcache::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) noexcept {
    shards_[shard_index()].value.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t value() const noexcept {
    uint64_t sum = 0;
    for (const auto& shard : shards_) sum += shard.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  std::array<PaddedCount, kShardCount> shards_;
};

}  // namespace regcache::metrics
