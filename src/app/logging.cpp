#include "app/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "app/batched_stderr_sink.hpp"
#include "app/json_log_formatter.hpp"

namespace regcache::app {
namespace {

spdlog::level::level_enum spdlog_level(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::trace:
      return spdlog::level::trace;
    case config::LogLevel::debug:
      return spdlog::level::debug;
    case config::LogLevel::info:
      return spdlog::level::info;
    case config::LogLevel::warn:
      return spdlog::level::warn;
    case config::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

// Both loggers write whole lines to stderr: this one with one fwrite per line
// (stdio locks the stream per call), the event logger in batches of whole lines
// below PIPE_BUF; so their lines never interleave.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  return spdlog::stderr_logger_mt(name);
}

// Access and upstream lines (one or more per request) are batched per I/O
// thread and written once per turn of its event loop (app/batched_stderr_sink):
// a request costs neither a write(2) of its own nor a wake-up of a logging thread.
std::shared_ptr<spdlog::logger> make_event_logger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<BatchedStderrSink>());
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace

EventLog setup_logging(config::LogLevel level, const std::string& format) {
  const bool json = format == "json";
  auto logger = make_logger("regcache");
  auto events = make_event_logger("regcache-events");
  spdlog::set_default_logger(logger);
  for (auto* l : {logger.get(), events.get()}) l->set_level(spdlog_level(level));
  // stderr is unbuffered: every line is written at once. (A flush request per
  // line would only double the event queue's traffic.)
  logger->flush_on(spdlog::level::info);
  if (json) {
    logger->set_formatter(std::make_unique<JsonLogFormatter>(JsonLogFormatter::Mode::message));
    events->set_formatter(std::make_unique<JsonLogFormatter>(JsonLogFormatter::Mode::fields));
  } else {
    logger->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
    events->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
  }
  return EventLog(events, json ? LogFormat::json : LogFormat::text);
}

}  // namespace regcache::app
