#pragma once
// TopRepositories: the most pulled repositories (by bytes served), for the
// status page. Each thread counts into its own shard (metrics::shard_index),
// so the request path takes an uncontended lock; top() merges the shards.
// Memory is bounded whatever clients ask for: a shard keeps at most
// `capacity / shards` names; when it is full, its smallest entry makes room
// (the "space saving" heavy-hitters scheme: a newcomer inherits the evicted
// count, so a frequent name cannot be starved).

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/shard.hpp"

namespace regcache::ops {

struct RepositoryTraffic {
  std::string upstream_repository;  // the upstream's repository name
  uint64_t requests = 0;
  uint64_t bytes = 0;
};

class TopRepositories {
 public:
  explicit TopRepositories(size_t capacity = 1024);

  void record(std::string_view repository, uint64_t bytes);
  // The `n` with the most bytes (ties: more requests first).
  std::vector<RepositoryTraffic> top(size_t n) const;

 private:
  static constexpr size_t kShards = metrics::kShardCount;
  struct Counts {
    uint64_t requests = 0;
    uint64_t bytes = 0;
  };
  // Transparent: a lookup by string_view allocates nothing on the request path.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Counts, Hash, std::equal_to<>> entries;
  };
  size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace regcache::ops
