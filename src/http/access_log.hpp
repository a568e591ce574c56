#pragma once
// AccessLog: one line per request, in the log format of the config:
//   text: access method=GET path=/v2/... status=200 bytes=N duration_ms=1.2 cache=hit
//         client=10.0.0.7 request_id=... [user=alice]
//   json: {"time":...,"level":"info","msg":"access","method":"GET",...}

#include "http/request_record.hpp"
#include "util/event_log.hpp"

namespace regcache::http {

class AccessLog {
 public:
  AccessLog() = default;
  explicit AccessLog(EventLog log) : log_(std::move(log)) {}
  void write(const RequestRecord& record) const;

 private:
  EventLog log_;
};

}  // namespace regcache::http
