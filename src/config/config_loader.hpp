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

struct LoadOptions {
  // Check the files the configuration names (TLS certificate and key) and
  // create the storage root. Off for commands that only read the settings
  // (`regcache client-config`), so they touch nothing.
  bool check_paths = true;
};

// Loads and validates the configuration. `file` may be empty (defaults only).
// Throws ConfigError naming file/variable, key and reason on any invalid value.
// Side effect (unless options.check_paths is false): creates the storage root
// directory when it does not exist yet.
Config load_config(const std::optional<std::filesystem::path>& file, const Environment& env,
                   LoadOptions options = {});

// registry:2 reads its configuration file from REGISTRY_CONFIGURATION_PATH when
// none is given on the command line; regcache's CLI should do the same.
// nullopt when the variable is unset or empty.
std::optional<std::filesystem::path> configuration_path_from_environment(const Environment& env);

}  // namespace regcache::config
