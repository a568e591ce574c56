#pragma once
// Histogram: counts of observations per bucket (upper bounds, ascending) plus
// their sum, sharded per thread like Counter. Buckets are cumulative only in
// the exposition.

#include <cstdint>
#include <memory>
#include <vector>

#include "metrics/shard.hpp"

namespace regcache::metrics {

class Histogram {
 public:
  struct Snapshot {
    std::vector<double> bounds;     // upper bounds, without +Inf
    std::vector<uint64_t> buckets;  // per bucket (not cumulative); last is +Inf
    uint64_t count = 0;
    double sum = 0;
  };

  explicit Histogram(std::vector<double> bounds);

  void observe(double value) noexcept;
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  struct alignas(64) Shard {
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;
    std::atomic<double> sum{0.0};
  };
  const std::vector<double> bounds_;
  std::array<Shard, kShardCount> shards_;
};

// Latency buckets in seconds, from a cached blob's first byte to a slow download.
std::vector<double> latency_buckets();

}  // namespace regcache::metrics
