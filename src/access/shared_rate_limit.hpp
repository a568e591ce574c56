#pragma once
// SharedRateLimit: per-client request budgets kept where every node of one
// cache sees them (Redis, coord/RedisRateLimit), so a client spread over the
// nodes gets the budget once, not once per node. The node's own RateLimiter
// stands in while the shared one cannot be reached.

#include <cstdint>
#include <optional>
#include <string>

namespace regcache::access {

class SharedRateLimit {
 public:
  virtual ~SharedRateLimit() = default;

  // Takes one request from `client`'s budget (`per_second`, at most `burst` at
  // once): 0 when it may go ahead, otherwise the whole seconds until it may
  // (at least 1, its Retry-After). nullopt: unreachable, use the local limiter.
  // Blocks for a network round trip: never call on an I/O thread.
  virtual std::optional<uint32_t> acquire(const std::string& client, double per_second,
                                          double burst) = 0;
};

}  // namespace regcache::access
