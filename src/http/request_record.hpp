#pragma once
// RequestRecord: what the server knows about one finished request, handed to
// the access log and to a RequestObserver (metrics, status page) once per
// request. Views are valid only during the call.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace regcache::http {

struct RequestRecord {
  std::string_view method;
  std::string_view target;      // path and query as sent
  std::string_view route;       // AccessNote::route
  std::string_view repository;  // AccessNote::repository (may be empty)
  std::string_view cache;       // AccessNote::cache
  std::string_view client;
  std::string_view request_id;
  std::string_view user;  // AccessNote::user (empty: anonymous)
  unsigned status = 0;  // 0: no answer was sent (connection aborted)
  uint64_t bytes = 0;   // body bytes sent
  std::chrono::duration<double> duration{0};
};

// Called on the connection's thread after each request: must be cheap and
// must not block (it runs on the I/O threads).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_request(const RequestRecord& record) noexcept = 0;
};

}  // namespace regcache::http
