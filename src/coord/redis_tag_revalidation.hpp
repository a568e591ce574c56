#pragma once
// RedisTagRevalidation: one node revalidates a stale tag for all nodes on the
// bucket. The node that revalidates holds regcache:<scope>:{<h>}:tag-revalidate
// (SET NX PX, h = SHA-256 of the tag key) until it has written the tag record
// to the shared catalog (it checks the record once more after taking the lease:
// the previous holder may just have released it); the others poll the record (every 100 ms, at most
// the lease) and serve it once fresh. Lease gone or expired without a fresh record, or Redis
// unreachable: they revalidate themselves, as without Redis.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "cache/shared_revalidation.hpp"
#include "coord/redis_client.hpp"

namespace regcache::coord {

class RedisTagRevalidation final : public cache::SharedRevalidation {
 public:
  RedisTagRevalidation(std::shared_ptr<RedisClient> redis, std::string scope,
                       std::chrono::milliseconds lease = std::chrono::seconds(10),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(100));

  bool wait_for_other(const std::string& key, const std::function<bool()>& fresh,
                      std::string& lease) override;
  void release(const std::string& key, const std::string& lease) override;

  std::string redis_key(const std::string& key) const;

 private:
  const std::shared_ptr<RedisClient> redis_;
  const std::string scope_;
  const std::chrono::milliseconds lease_;
  const std::chrono::milliseconds poll_;
  const std::string holder_;  // this node; a counter tells its own claims apart
  std::atomic<unsigned long long> claims_{0};
};

}  // namespace regcache::coord
