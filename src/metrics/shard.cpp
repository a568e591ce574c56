#include "metrics/shard.hpp"

namespace regcache::metrics {

size_t shard_index() noexcept {
  static std::atomic<size_t> next{0};
  thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShardCount;
  return index;
}

}  // namespace regcache::metrics
