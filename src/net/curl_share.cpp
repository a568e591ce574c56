#include "net/curl_share.hpp"

#include "net/curl_handle.hpp"

namespace regcache::net {

CurlShare::CurlShare() {
  ensure_curl_global_init();
  share_ = curl_share_init();
  if (share_ == nullptr) return;
  bool ok = curl_share_setopt(share_, CURLSHOPT_USERDATA, this) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK;
  if (!ok) {
    curl_share_cleanup(share_);
    share_ = nullptr;
  }
}

CurlShare::~CurlShare() {
  if (share_ != nullptr) curl_share_cleanup(share_);
}

void CurlShare::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  auto* share = static_cast<CurlShare*>(self);
  if (static_cast<size_t>(data) < share->locks_.size()) share->locks_[data].lock();
}

void CurlShare::unlock(CURL*, curl_lock_data data, void* self) {
  auto* share = static_cast<CurlShare*>(self);
  if (static_cast<size_t>(data) < share->locks_.size()) share->locks_[data].unlock();
}

}  // namespace regcache::net
