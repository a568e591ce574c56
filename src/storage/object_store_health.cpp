#include "storage/object_store_health.hpp"

#include <spdlog/spdlog.h>

namespace regcache::storage {
namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool ObjectStoreHealth::should_try() {
  std::lock_guard lock(mutex_);
  if (state_.reachable) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_try_ < kRetryInterval) return false;
  last_try_ = now;
  return true;
}

void ObjectStoreHealth::succeeded() {
  std::lock_guard lock(mutex_);
  if (state_.reachable) return;
  state_ = {true, unix_now(), {}};
  ++recoveries_;
  spdlog::info("s3: {} is reachable again", what_);
  recovered_.notify_all();
}

void ObjectStoreHealth::failed(const std::string& why) {
  std::lock_guard lock(mutex_);
  last_try_ = std::chrono::steady_clock::now();
  if (!state_.reachable) return;
  state_ = {false, unix_now(), why};
  spdlog::error(
      "s3: {} is unreachable ({}); serving local copies and streaming new pulls from upstream "
      "until it answers again",
      what_, why);
}

ObjectStoreHealth::State ObjectStoreHealth::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

uint64_t ObjectStoreHealth::recoveries() const {
  std::lock_guard lock(mutex_);
  return recoveries_;
}

bool ObjectStoreHealth::wait_recovered(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return recovered_.wait_for(lock, timeout, [&] { return recoveries_ > seen; });
}

}  // namespace regcache::storage
