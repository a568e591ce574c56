#pragma once
// Quoting of configuration values inside error and warning messages.

#include <string>
#include <string_view>

namespace regcache::config {

// `text` in double quotes, with quotes, backslashes and control characters
// escaped and anything past 200 bytes cut off, so a value read from a file or
// the environment cannot break or flood a log line. Never pass secrets here.
std::string in_quotes(std::string_view text);

}  // namespace regcache::config
