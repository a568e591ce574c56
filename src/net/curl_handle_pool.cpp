#include "net/curl_handle_pool.hpp"

#include <utility>

namespace regcache::net {

CurlHandlePool::CurlHandlePool(CurlShare& share, size_t max_idle)
    : share_(share), max_idle_(max_idle) {}

std::optional<CurlHandlePool::Lease> CurlHandlePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CurlHandle handle = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(handle));  // curl_easy_reset keeps the share
    }
  }
  CurlHandle handle;
  if (!handle.valid()) return std::nullopt;
  if (share_.valid()) handle.set(CURLOPT_SHARE, share_.get());
  return Lease(this, std::move(handle));
}

void CurlHandlePool::release(CurlHandle handle) {
  if (!handle.valid()) return;
  // Drop every pointer into the finished transfer (callbacks, user data).
  handle.reset();
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(handle));
  // Otherwise the handle (and its connections) is closed when it goes out of scope.
}

CurlHandlePool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), handle_(std::move(other.handle_)) {}

CurlHandlePool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(std::move(handle_));
}

}  // namespace regcache::net
