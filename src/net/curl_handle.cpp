#include "net/curl_handle.hpp"

#include <mutex>
#include <utility>

namespace regcache::net {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHeaderList::~CurlHeaderList() { curl_slist_free_all(list_); }

CurlHeaderList::CurlHeaderList(CurlHeaderList&& other) noexcept
    : list_(std::exchange(other.list_, nullptr)) {}

CurlHeaderList& CurlHeaderList::operator=(CurlHeaderList&& other) noexcept {
  if (this != &other) {
    curl_slist_free_all(list_);
    list_ = std::exchange(other.list_, nullptr);
  }
  return *this;
}

bool CurlHeaderList::append(const std::string& header) {
  curl_slist* grown = curl_slist_append(list_, header.c_str());
  if (grown == nullptr) return false;
  list_ = grown;
  return true;
}

CurlHandle::CurlHandle() {
  ensure_curl_global_init();
  handle_ = curl_easy_init();
}

CurlHandle::~CurlHandle() {
  if (handle_ != nullptr) curl_easy_cleanup(handle_);
}

CurlHandle::CurlHandle(CurlHandle&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

CurlHandle& CurlHandle::operator=(CurlHandle&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

}  // namespace regcache::net
