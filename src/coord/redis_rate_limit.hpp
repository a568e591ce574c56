#pragma once
// RedisRateLimit: the per-client token bucket of access::RateLimiter, shared
// by all nodes through Redis as GCRA (the generic cell rate algorithm, the
// same limit as a token bucket): one key per client,
// regcache:<scope>:rate:{<client>}, holds the "theoretical arrival time" of
// its next request and expires once the bucket would be full again. One Lua
// step per request on Redis' clock, so nodes' clocks do not matter.

#include <memory>
#include <string>

#include "access/shared_rate_limit.hpp"
#include "coord/redis_client.hpp"

namespace regcache::coord {

class RedisRateLimit final : public access::SharedRateLimit {
 public:
  RedisRateLimit(std::shared_ptr<RedisClient> redis, std::string scope);

  std::optional<uint32_t> acquire(const std::string& client, double per_second,
                                  double burst) override;
  std::string key_of(const std::string& client) const;

 private:
  const std::shared_ptr<RedisClient> redis_;
  const std::string scope_;
};

}  // namespace regcache::coord
