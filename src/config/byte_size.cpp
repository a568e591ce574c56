#include "config/byte_size.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace regcache::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

uint64_t SizeLimit::resolve(uint64_t filesystem_bytes) const {
  if (percent > 0) {
    return static_cast<uint64_t>(static_cast<long double>(filesystem_bytes) * percent / 100.0L);
  }
  return bytes;
}

Result<SizeLimit, std::string> parse_size_limit(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  if (text.empty()) return fail(std::string("empty size"));
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) return fail(std::string("expected a number first"));
  const std::string number(text.substr(0, digits));
  if (number.front() == '.' || number.back() == '.' || number.find('.') != number.rfind('.')) {
    return fail(std::string("malformed number"));
  }
  long double value = 0;
  try {
    value = std::stold(number);
  } catch (const std::exception&) {
    return fail(std::string("malformed number"));
  }
  std::string unit = lower(text.substr(digits));
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);

  if (unit == "%") {
    if (!(value > 0) || value > 100) {
      return fail(std::string("a percentage must be greater than 0 and at most 100"));
    }
    return SizeLimit{0, static_cast<double>(value)};
  }
  static constexpr std::array<std::pair<std::string_view, long double>, 10> kUnits{{
      {"b", 1.0L},
      {"kb", 1e3L},
      {"mb", 1e6L},
      {"gb", 1e9L},
      {"tb", 1e12L},
      {"kib", 1024.0L},
      {"mib", 1024.0L * 1024},
      {"gib", 1024.0L * 1024 * 1024},
      {"tib", 1024.0L * 1024 * 1024 * 1024},
      {"", 1.0L},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    const long double bytes = std::floor(value * factor);
    if (bytes > 9.0e18L) return fail(std::string("too large"));
    if (bytes != value * factor && (name.empty() || name == "b")) {
      return fail(std::string("a byte count must be a whole number"));
    }
    return SizeLimit{static_cast<uint64_t>(bytes), 0};
  }
  return fail(fmt::format("unknown unit \"{}\" (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB or %)",
                          text.substr(digits)));
}

std::string format_bytes(uint64_t bytes) {
  static constexpr std::array<std::string_view, 5> kNames{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kNames.size()) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", value, kNames[unit]);
}

}  // namespace regcache::config
