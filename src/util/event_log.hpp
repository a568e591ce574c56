#pragma once
// EventLog: log lines made of an event name and named fields, written either
// as text (`access method=GET path=/v2/ status=200`) or, with log.formatter
// json, as the fields of one JSON object. The JSON object itself (time, level)
// is completed by the logger's formatter (app/json_log_formatter), so both
// formats share spdlog's sinks, levels and flushing.

#include <spdlog/spdlog.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace regcache {

enum class LogFormat { text, json };

class EventLog {
 public:
  struct Field {
    std::string_view name;
    std::variant<std::string_view, int64_t, uint64_t, double> value;
  };

  // Without a logger: text lines on spdlog's default logger.
  EventLog() = default;
  EventLog(std::shared_ptr<spdlog::logger> logger, LogFormat format)
      : logger_(std::move(logger)), format_(format) {}

  void write(spdlog::level::level_enum level, std::string_view event,
             std::initializer_list<Field> fields) const {
    write(level, event, std::span<const Field>(fields.begin(), fields.size()));
  }
  // Fields chosen at run time (some present only sometimes).
  void write(spdlog::level::level_enum level, std::string_view event,
             std::span<const Field> fields) const;
  bool enabled(spdlog::level::level_enum level) const;
  LogFormat format() const { return format_; }

  // For tests: the line as it would be handed to the logger.
  static std::string render(LogFormat format, std::string_view event,
                            std::span<const Field> fields);
  static std::string render(LogFormat format, std::string_view event,
                            std::initializer_list<Field> fields) {
    return render(format, event, std::span<const Field>(fields.begin(), fields.size()));
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  LogFormat format_ = LogFormat::text;
};

// A JSON string literal (with quotes) for `text`; invalid UTF-8 is replaced.
std::string json_quote(std::string_view text);

}  // namespace regcache
