#pragma once
#include "config/config.hpp"

namespace regcache::app {

// Configures the default logger: stderr, level and format from the config.
void setup_logging(config::LogLevel level, const std::string& format);

}  // namespace regcache::app
