#include "config/duration.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "config/quote.hpp"

namespace regcache::config {
namespace {

constexpr uint64_t kLimit = uint64_t{1} << 63;  // |int64 min|, as in Go

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Go's unitMap. Both spellings of micro: U+00B5 (micro sign) and U+03BC (mu).
constexpr std::array<std::pair<std::string_view, uint64_t>, 9> kUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},
    {"\xCE\xBCs", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60 * uint64_t{1'000'000'000}},
    {"h", 3600 * uint64_t{1'000'000'000}},
}};

const uint64_t* find_unit(std::string_view name) {
  for (const auto& [unit, ns] : kUnits) {
    if (unit == name) return &ns;
  }
  return nullptr;
}

}  // namespace

Result<std::chrono::nanoseconds, std::string> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return fail(std::string("empty value"));

  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return fail(std::string("expected a number"));

    // Integer part ([0-9]*), rejecting overflow like Go's leadingInt.
    uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > kLimit / 10) return fail(std::string("out of range"));
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kLimit) return fail(std::string("out of range"));
    }
    const bool has_whole = i > 0;
    s.remove_prefix(i);

    // Fraction (\.[0-9]*)?; digits past what fits are ignored, like Go's leadingFraction.
    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      i = 0;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        if (overflow) continue;
        if (fraction > (kLimit - 1) / 10) {
          overflow = true;
          continue;
        }
        const uint64_t next = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
        if (next > kLimit) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      has_fraction = i > 0;
      s.remove_prefix(i);
    }
    if (!has_whole && !has_fraction) return fail(std::string("expected a number"));

    // Unit: everything up to the next number.
    i = 0;
    while (i < s.size() && s[i] != '.' && !is_digit(s[i])) ++i;
    if (i == 0) return fail(std::string("missing unit"));
    const std::string_view unit_name = s.substr(0, i);
    s.remove_prefix(i);
    const uint64_t* unit = find_unit(unit_name);
    if (unit == nullptr) return fail("unknown unit " + in_quotes(unit_name));

    if (whole > kLimit / *unit) return fail(std::string("out of range"));
    uint64_t value = whole * *unit;
    if (fraction > 0) {
      // Go computes the fraction in float64 too: exact to the nanosecond up to hours.
      value += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(*unit) / scale));
      if (value > kLimit) return fail(std::string("out of range"));
    }
    total += value;
    if (total > kLimit) return fail(std::string("out of range"));
  }

  if (negative) {
    // total <= 2^63, so the negation is representable (down to int64 min).
    return std::chrono::nanoseconds(static_cast<int64_t>(0 - total));
  }
  if (total > kLimit - 1) return fail(std::string("out of range"));
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::string format_duration(Seconds d) {
  auto total = d.count();
  if (total == 0) return "0s";
  std::string out;
  if (total < 0) {
    out = "-";
    total = -total;
  }
  const auto hours = total / 3600;
  const auto minutes = total % 3600 / 60;
  const auto seconds = total % 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (seconds > 0) out += std::to_string(seconds) + "s";
  return out;
}

}  // namespace regcache::config
