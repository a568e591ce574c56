#pragma once
// Sizes as operators write them in config.yml: a byte count with an optional
// unit, or a percentage of the filesystem that holds the cache.
//   1073741824   10GiB   500MB   1.5TB   80%
// Units (any letter case): B; KB, MB, GB, TB (powers of 1000); KiB, MiB, GiB,
// TiB (powers of 1024). A percentage is greater than 0 and at most 100.

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace regcache::config {

// The error is a short reason without the input itself.
Result<SizeLimit, std::string> parse_size_limit(std::string_view text);

// "10 GiB", "512 MiB", "123 B": for logs and reports.
std::string format_bytes(uint64_t bytes);

}  // namespace regcache::config
