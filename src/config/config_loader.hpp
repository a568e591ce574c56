#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace regcache::config {

using Environment = std::map<std::string, std::string>;

// Snapshot of the process environment (for load_config).
Environment process_environment();

// Loads and validates the configuration. `file` may be empty (defaults only).
// Throws ConfigError naming file/variable, key and reason on any invalid value.
Config load_config(const std::optional<std::filesystem::path>& file, const Environment& env);

}  // namespace regcache::config
