#pragma once
// Size and free space of the filesystem that holds the cache (statvfs).

#include <cstdint>
#include <filesystem>
#include <system_error>

#include "util/result.hpp"

namespace regcache::lifecycle {

struct FilesystemSpace {
  uint64_t total = 0;  // bytes
  uint64_t free = 0;   // bytes available to regcache (not the root reserve)
};

Result<FilesystemSpace, std::error_code> filesystem_space(const std::filesystem::path& path);

}  // namespace regcache::lifecycle
