#pragma once
#include "config/config.hpp"
#include "util/event_log.hpp"

namespace regcache::app {

// Configures the default logger (stderr, level and format from the config) and
// returns the EventLog for structured lines (access log, upstream requests) in
// the same format. log.formatter json makes every line one JSON object.
EventLog setup_logging(config::LogLevel level, const std::string& format);

}  // namespace regcache::app
