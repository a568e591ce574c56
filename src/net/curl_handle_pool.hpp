#pragma once
// Idle easy handles kept for reuse. An easy handle keeps its live connections
// after a transfer, so handing the same handles out again is what makes
// requests to the upstream reuse connections (TCP and TLS set-up once), while
// every handle is used by one thread at a time as libcurl requires.

#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "net/curl_handle.hpp"
#include "net/curl_share.hpp"

namespace regcache::net {

class CurlHandlePool {
 public:
  // Handles are attached to `share`, which must outlive the pool. At most
  // `max_idle` handles (and their connections) are kept between transfers.
  CurlHandlePool(CurlShare& share, size_t max_idle);

  // A handle on loan; it goes back to the pool (options reset) when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    CurlHandle& operator*() { return handle_; }
    CurlHandle* operator->() { return &handle_; }

   private:
    friend class CurlHandlePool;
    Lease(CurlHandlePool* pool, CurlHandle handle) : pool_(pool), handle_(std::move(handle)) {}
    CurlHandlePool* pool_;
    CurlHandle handle_;
  };

  // An idle handle, or a new one; nullopt only when libcurl is out of memory.
  // The handle comes with CURLOPT_SHARE set and no other option.
  std::optional<Lease> acquire();

 private:
  void release(CurlHandle handle);

  CurlShare& share_;
  const size_t max_idle_;
  std::mutex mutex_;
  std::vector<CurlHandle> idle_;  // guarded by mutex_
};

}  // namespace regcache::net
