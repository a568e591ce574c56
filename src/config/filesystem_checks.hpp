#pragma once
// Start-up checks on the paths the configuration names, so a wrong path fails
// at start-up with a clear message instead of at the first request.

#include <filesystem>
#include <string>

#include "util/result.hpp"

namespace regcache::config {

// The storage root: an existing path must be a directory regcache can write to;
// a missing one is created with its parents. The error is a short reason.
Result<Ok, std::string> prepare_storage_root(const std::filesystem::path& root);

// A regular file (after symlinks) that can be opened for reading.
Result<Ok, std::string> check_readable_file(const std::filesystem::path& file);

}  // namespace regcache::config
