#pragma once
// Platform: os/architecture[/variant] as in `--platform linux/arm64/v8`, and
// whether an index entry's platform matches one the user asked for.

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace regcache::cli {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // empty: any variant matches
  std::string text() const;
};

Result<Platform, std::string> parse_platform(std::string_view text);
// An empty `wanted` list matches every platform.
bool platform_matches(const std::vector<Platform>& wanted, const Platform& entry);

}  // namespace regcache::cli
