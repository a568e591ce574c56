#pragma once
// JsonLogFormatter: spdlog formatter for log.formatter json. Every line is one
// JSON object: {"time":"2026-01-02T03:04:05.678Z","level":"info",...}.
//  - message mode: the log message becomes "msg" (escaped);
//  - fields mode: the message already holds JSON members (EventLog renders
//    them: "msg":"access","method":"GET",...) and is inserted as is.

#include <spdlog/formatter.h>

namespace regcache::app {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  enum class Mode { message, fields };
  explicit JsonLogFormatter(Mode mode) : mode_(mode) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  Mode mode_;
};

}  // namespace regcache::app
