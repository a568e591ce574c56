#include "access/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace regcache::access {

RateLimiter::RateLimiter(uint32_t per_second, uint32_t burst, size_t max_clients)
    : rate_(std::max<double>(per_second, 1e-9)),
      capacity_(std::max<double>(burst > 0 ? burst : per_second, 1)),
      max_clients_(std::max<size_t>(max_clients, 1)) {}

double RateLimiter::refilled(const Bucket& bucket, Clock::time_point now) const {
  const std::chrono::duration<double> elapsed = now - bucket.updated;
  return std::min(capacity_, bucket.tokens + std::max(0.0, elapsed.count()) * rate_);
}

uint32_t RateLimiter::acquire(const std::string& client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) {
      std::erase_if(buckets_,
                    [&](const auto& entry) { return refilled(entry.second, now) >= capacity_; });
      if (buckets_.size() >= max_clients_) return 1;
    }
    it = buckets_.emplace(client, Bucket{capacity_, now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = refilled(bucket, now);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  const double wait = (1.0 - bucket.tokens) / rate_;
  return static_cast<uint32_t>(std::clamp(std::ceil(wait), 1.0, 86400.0));
}

size_t RateLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace regcache::access
