#include "app/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace regcache::app {

void setup_logging(config::LogLevel level, const std::string& format) {
  auto logger = spdlog::stderr_logger_mt("regcache");
  spdlog::set_default_logger(logger);
  switch (level) {
    case config::LogLevel::trace: spdlog::set_level(spdlog::level::trace); break;
    case config::LogLevel::debug: spdlog::set_level(spdlog::level::debug); break;
    case config::LogLevel::info: spdlog::set_level(spdlog::level::info); break;
    case config::LogLevel::warn: spdlog::set_level(spdlog::level::warn); break;
    case config::LogLevel::error: spdlog::set_level(spdlog::level::err); break;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  if (format != "text") {
    spdlog::warn("log.formatter {}: only text logs are written so far", format);
  }
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace regcache::app
