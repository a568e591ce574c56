#include "app/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

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

// Both loggers write whole lines to stderr with one fwrite each (stdio locks
// the stream per call), so their lines never interleave.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  return spdlog::stderr_logger_mt(name);
}

// Access and upstream lines (one or more per request) are written by their own
// thread: request threads only queue a line and never wait for stderr or for
// each other. The queue is bounded (request threads wait when it is full), so
// no line is lost and memory does not grow; lines still queued when the
// process is killed are lost, like those in any log buffer.
constexpr size_t kQueuedEventLines = 8192;

std::shared_ptr<spdlog::logger> make_event_logger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  spdlog::init_thread_pool(kQueuedEventLines, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      name, std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
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
