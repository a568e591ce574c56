#pragma once
// Per-thread shards for metrics on the request path: each thread adds to its
// own cache line, so counting costs an uncontended atomic add; reading (a
// scrape, a few times a minute) sums the shards.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace regcache::metrics {

inline constexpr size_t kShardCount = 16;

// This thread's shard, assigned round robin the first time a thread counts.
size_t shard_index() noexcept;

struct alignas(64) PaddedCount {
  std::atomic<uint64_t> value{0};
};

struct alignas(64) PaddedReal {
  std::atomic<double> value{0.0};
};

}  // namespace regcache::metrics
