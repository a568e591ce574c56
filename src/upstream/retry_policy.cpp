#include "upstream/retry_policy.hpp"

#include <condition_variable>
#include <mutex>

namespace regcache::upstream {

RetryPolicy::RetryPolicy(unsigned max_retries, std::chrono::milliseconds first_delay,
                         std::chrono::milliseconds max_delay)
    : max_retries_(max_retries), first_delay_(first_delay), max_delay_(max_delay) {}

std::chrono::milliseconds RetryPolicy::delay(unsigned retry) const {
  auto delay = first_delay_;
  for (unsigned i = 0; i < retry && delay < max_delay_; ++i) delay *= 2;
  return delay < max_delay_ ? delay : max_delay_;
}

bool wait_unless_stopped(std::chrono::milliseconds duration, const std::stop_token& stop) {
  // condition_variable_any's stop_token overload wakes up as soon as stop is requested.
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace regcache::upstream
