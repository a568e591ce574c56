#pragma once
// RAII owners of libcurl easy handles and header lists.

#include <curl/curl.h>

#include <string>

namespace regcache::net {

// Runs curl_global_init once per process (thread-safe); every constructor of a
// curl object below calls it first.
void ensure_curl_global_init();

// A curl_slist of request headers ("Name: value").
class CurlHeaderList {
 public:
  CurlHeaderList() = default;
  ~CurlHeaderList();
  CurlHeaderList(CurlHeaderList&& other) noexcept;
  CurlHeaderList& operator=(CurlHeaderList&& other) noexcept;
  CurlHeaderList(const CurlHeaderList&) = delete;
  CurlHeaderList& operator=(const CurlHeaderList&) = delete;

  // Returns false when libcurl could not allocate the entry.
  bool append(const std::string& header);
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// One easy handle. It keeps its connection cache across transfers, which is how
// connections to the upstream get reused (see CurlHandlePool).
class CurlHandle {
 public:
  CurlHandle();  // check valid(): curl_easy_init fails only when out of memory
  ~CurlHandle();
  CurlHandle(CurlHandle&& other) noexcept;
  CurlHandle& operator=(CurlHandle&& other) noexcept;
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  bool valid() const { return handle_ != nullptr; }
  CURL* get() const { return handle_; }

  template <class T>
  CURLcode set(CURLoption option, T value) {
    return curl_easy_setopt(handle_, option, value);
  }
  CURLcode set(CURLoption option, const std::string& value) {
    return curl_easy_setopt(handle_, option, value.c_str());
  }

  // Clears every option (callbacks and pointers included) but keeps live
  // connections, the DNS cache and TLS session ids.
  void reset() { curl_easy_reset(handle_); }

 private:
  CURL* handle_ = nullptr;
};

}  // namespace regcache::net
