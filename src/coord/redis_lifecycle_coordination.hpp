#pragma once
// RedisLifecycleCoordination: the lifecycle's CollectorCoordination on Redis.
//
//   regcache:<scope>:collector  the collector lock: "<node ID>", SET NX PX
//                               kLockLease; the holder renews it (and a free
//                               lock is taken) in one Lua step, and deletes it
//                               on shutdown only if it still holds it
//   regcache:<scope>:access     sorted set: digest hex -> last access (unix
//                               seconds) by any node; ZADD GT, so a late flush
//                               never moves a time back
//
// Why a sorted set: one member per blob in the bucket (~100 bytes each; the
// collector drops members of removed blobs), written in batches every few
// seconds by each node (only the digests it served since), read whole once per
// collector pass. Redis >= 6.2 (ZADD GT).

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "coord/redis_connection.hpp"
#include "coord/redis_fetch_coordinator.hpp"
#include "lifecycle/collector_coordination.hpp"

namespace regcache::coord {

class RedisLifecycleCoordination final : public lifecycle::CollectorCoordination {
 public:
  static constexpr std::chrono::seconds kLockLease{30};
  // Buffered access times beyond this many digests are dropped (Redis away long).
  static constexpr size_t kMaxPending = 100000;

  // `leases`: the fetch leases (same Redis, same scope) and this node's ID.
  RedisLifecycleCoordination(RedisSettings settings, std::string scope,
                             const RedisFetchCoordinator& leases);

  Role elect() override;
  void resign() override;
  void record_access(const std::vector<std::pair<std::string, int64_t>>& accesses) override;
  void flush_access() override;
  std::optional<std::unordered_map<std::string, int64_t>> last_access() override;
  void forget(const std::vector<std::string>& hexes) override;
  bool fetching(const registry::Digest& digest) override;

 private:
  RedisConnection redis_;
  const RedisFetchCoordinator& leases_;
  const std::string lock_key_;
  const std::string access_key_;
  std::mutex mutex_;
  std::unordered_map<std::string, int64_t> pending_;  // digest hex -> newest access
};

}  // namespace regcache::coord
