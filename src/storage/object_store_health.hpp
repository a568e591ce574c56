#pragma once
// ObjectStoreHealth: whether the object store (S3) answers. Every S3 request
// reports its outcome: a transport failure (refused, timed out, reset) or a 5xx
// marks the store unreachable, any other answer reachable again. While it is
// unreachable, requests fail at once instead of each waiting for its own
// timeout, except one attempt per kRetryInterval that finds out when it is
// back. Transitions are logged once each; /readyz shows the state.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace regcache::storage {

class ObjectStoreHealth {
 public:
  static constexpr std::chrono::seconds kRetryInterval{1};

  struct State {
    bool reachable = true;
    int64_t since = 0;   // Unix seconds of the last transition (0: never failed)
    std::string reason;  // why it is unreachable
  };

  explicit ObjectStoreHealth(std::string what) : what_(std::move(what)) {}

  // False while the store is unreachable and was tried less than kRetryInterval ago.
  bool should_try();
  void succeeded();
  void failed(const std::string& why);
  State state() const;
  // Generation of the reachable state: bumped each time the store comes back.
  uint64_t recoveries() const;
  // Blocks until the store came back after `seen` recoveries, or `timeout`.
  bool wait_recovered(uint64_t seen, std::chrono::milliseconds timeout);

 private:
  const std::string what_;
  mutable std::mutex mutex_;
  std::condition_variable recovered_;
  State state_;
  uint64_t recoveries_ = 0;
  std::chrono::steady_clock::time_point last_try_{};
};

}  // namespace regcache::storage
