#pragma once
// RateLimiter: per-client request rate (regcache.limits.requests_per_second),
// a token bucket per client key: `burst` requests at once, refilled at `rate`
// per second. Thread-safe. Memory is bounded: at most `max_clients` buckets;
// idle clients' buckets (full again) are dropped first, and when the table is
// still full new clients are refused until room frees up (a flood from very
// many addresses must not grow memory without bound).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace regcache::access {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(uint32_t per_second, uint32_t burst, size_t max_clients = 65536);

  // 0 when the request may go ahead (it used a token); otherwise the whole
  // seconds until the client has a token again (at least 1): its Retry-After.
  uint32_t acquire(const std::string& client, Clock::time_point now);
  size_t tracked() const;
  double per_second() const { return rate_; }
  double burst() const { return capacity_; }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  double refilled(const Bucket& bucket, Clock::time_point now) const;

  const double rate_;
  const double capacity_;
  const size_t max_clients_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace regcache::access
