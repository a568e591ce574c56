#include "registry/byte_range.hpp"

#include <charconv>

namespace regcache::registry {
namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ByteRange parse_byte_range(std::string_view header, uint64_t size) {
  ByteRange whole;
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.substr(0, kUnit.size()) != kUnit) return whole;  // absent or other unit: ignore
  auto spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;  // multipart ranges: ignore
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;            // malformed: ignore
  auto first_text = trim(spec.substr(0, dash));
  auto last_text = trim(spec.substr(dash + 1));

  ByteRange r;
  r.kind = ByteRange::Kind::partial;
  if (first_text.empty()) {  // suffix: the last N bytes
    uint64_t n = 0;
    if (!parse_u64(last_text, n)) return whole;
    if (n == 0 || size == 0) return {ByteRange::Kind::unsatisfiable};
    r.first = n >= size ? 0 : size - n;
    r.last = size - 1;
    return r;
  }
  if (!parse_u64(first_text, r.first)) return whole;
  if (last_text.empty()) {
    r.last = size == 0 ? 0 : size - 1;
  } else if (!parse_u64(last_text, r.last) || r.last < r.first) {
    return whole;  // syntactically invalid: ignore, per RFC
  }
  if (r.first >= size) return {ByteRange::Kind::unsatisfiable};
  if (r.last >= size) r.last = size - 1;
  return r;
}

}  // namespace regcache::registry
