#pragma once
// A CURLSH shared by every easy handle of one RegistryClient, with one mutex per
// kind of shared data so that handles in different threads can use it at once.
//
// It shares the DNS cache and TLS session ids. It deliberately does not share
// the connection cache (CURL_LOCK_DATA_CONNECT): libcurl documents that sharing
// connections between concurrent threads is not supported. Connections are
// reused instead by keeping easy handles alive in a CurlHandlePool.

#include <curl/curl.h>

#include <array>
#include <mutex>

namespace regcache::net {

class CurlShare {
 public:
  CurlShare();  // check valid()
  ~CurlShare();
  // The lock callbacks point at this object: it never moves.
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;

  bool valid() const { return share_ != nullptr; }
  CURLSH* get() const { return share_; }

 private:
  static void lock(CURL* handle, curl_lock_data data, curl_lock_access access, void* self);
  static void unlock(CURL* handle, curl_lock_data data, void* self);

  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks_;
  CURLSH* share_ = nullptr;
};

}  // namespace regcache::net
