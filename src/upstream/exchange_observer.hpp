#pragma once
// ExchangeObserver: hears of every HTTP exchange with an upstream (registry
// and token endpoint alike), for metrics, the upstream's last known state and
// the upstream-request log line. Called on the upstream worker threads right
// after each exchange; must be cheap and thread-safe.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "upstream/response_head.hpp"

namespace regcache::upstream {

struct ExchangeRecord {
  std::string_view upstream;           // the upstream's name (docker.io, ghcr.io, ...)
  std::string_view kind;               // manifest, blob, tags, token, ping
  std::string_view method;             // GET or HEAD
  std::string_view url;                // without credentials or query
  std::string_view request_id;         // of the client request that caused it ("" if none)
  const ResponseHead* head = nullptr;  // head->status() == 0 when no answer arrived
  bool failed = false;                 // transport error (no or incomplete answer)
  std::string_view error;              // libcurl's description when failed
  uint64_t body_bytes = 0;             // body bytes received (buffered or streamed)
  std::chrono::milliseconds duration{0};
};

class ExchangeObserver {
 public:
  virtual ~ExchangeObserver() = default;
  virtual void on_exchange(const ExchangeRecord& record) noexcept = 0;
};

}  // namespace regcache::upstream
