#include "access/concurrency_limiter.hpp"

namespace regcache::access {

std::optional<ConcurrencyLimiter::Slot> ConcurrencyLimiter::try_acquire(const std::string& client) {
  std::lock_guard lock(mutex_);
  uint32_t& count = counts_[client];
  if (count >= per_client_) {
    if (count == 0) counts_.erase(client);
    return std::nullopt;
  }
  ++count;
  return Slot(*this, client);
}

uint32_t ConcurrencyLimiter::in_progress(const std::string& client) const {
  std::lock_guard lock(mutex_);
  const auto it = counts_.find(client);
  return it == counts_.end() ? 0 : it->second;
}

void ConcurrencyLimiter::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  const auto it = counts_.find(client);
  if (it != counts_.end() && --it->second == 0) counts_.erase(it);
}

}  // namespace regcache::access
