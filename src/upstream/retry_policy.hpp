#pragma once
// Exponential backoff between attempts, and a wait that a stop request ends at once.

#include <chrono>
#include <stop_token>

namespace regcache::upstream {

class RetryPolicy {
 public:
  explicit RetryPolicy(unsigned max_retries,
                       std::chrono::milliseconds first_delay = std::chrono::milliseconds(200),
                       std::chrono::milliseconds max_delay = std::chrono::milliseconds(5000));

  unsigned max_retries() const { return max_retries_; }
  // Delay before retry number `retry` (0-based): first_delay * 2^retry, capped.
  std::chrono::milliseconds delay(unsigned retry) const;

 private:
  unsigned max_retries_;
  std::chrono::milliseconds first_delay_;
  std::chrono::milliseconds max_delay_;
};

// Sleeps for `duration` unless `stop` is requested first. Returns false when stopped.
bool wait_unless_stopped(std::chrono::milliseconds duration, const std::stop_token& stop);

}  // namespace regcache::upstream
