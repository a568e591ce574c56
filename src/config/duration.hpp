#pragma once
// Durations written the way registry:2 (Go's time.ParseDuration) reads them:
// a sequence of decimal numbers, each with an optional fraction and a unit,
// such as "300ms", "1.5h" or "2h45m". Units: ns, us (or µs), ms, s, m, h.
// "0" needs no unit; a leading '+' or '-' is accepted as in Go.

#include <chrono>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace regcache::config {

// Parses `text` exactly as Go's time.ParseDuration does (same accepted inputs,
// same int64-nanosecond range). On failure the error is a short reason such as
// `unknown unit "days"` or `missing unit`, without the input itself.
Result<std::chrono::nanoseconds, std::string> parse_duration(std::string_view text);

// Go-style rendering of whole seconds, e.g. "168h", "1h30m", "1m30s", "0s".
std::string format_duration(Seconds d);

}  // namespace regcache::config
