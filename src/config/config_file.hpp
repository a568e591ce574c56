#pragma once
// Reading registry:2's config.yml into Settings: every key is checked against
// config_keys; keys regcache ignores or does not know become warnings.

#include <filesystem>

#include "config/settings.hpp"

namespace regcache::config {

// Reads `file` into `settings`. Throws ConfigError when the file cannot be read,
// is not valid YAML (with line and column), its top level or a section is not a
// mapping, or it names a storage driver other than filesystem.
void read_config_file(const std::filesystem::path& file, Settings& settings);

}  // namespace regcache::config
