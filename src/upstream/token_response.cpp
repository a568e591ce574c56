#include "upstream/token_response.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace regcache::upstream {
namespace {

constexpr std::chrono::seconds kDefaultLifetime{60};

bool read_int(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  auto part = text.substr(pos, len);
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
  return ec == std::errc() && end == part.data() + part.size();
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (!read_int(text, 0, 4, y) || !read_int(text, 5, 2, mo) || !read_int(text, 8, 2, d) ||
      !read_int(text, 11, 2, h) || !read_int(text, 14, 2, mi) || !read_int(text, 17, 2, s)) {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits (years 1678-2262): a token
  // "issued" outside this window is bogus, and converting it would overflow.
  if (y < 1970 || y > 2200) return std::nullopt;
  year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {  // fraction: ignored (second precision is enough)
    ++pos;
    size_t digits = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == digits) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;
  minutes offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh = 0, om = 0;
    if (pos + 6 > text.size() || text[pos + 3] != ':' || !read_int(text, pos + 1, 2, oh) ||
        !read_int(text, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset = hours(oh) + minutes(om);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  sys_seconds local = sys_days(date) + hours(h) + minutes(mi) + seconds(s);
  return system_clock::time_point(local - offset);
}

std::optional<TokenGrant> parse_token_response(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  TokenGrant grant;
  for (const char* key : {"token", "access_token"}) {
    auto it = json.find(key);
    if (it != json.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      grant.token = it->get<std::string>();
      break;
    }
  }
  if (grant.token.empty()) return std::nullopt;
  if (auto it = json.find("expires_in"); it != json.end() && it->is_number()) {
    double value = it->get<double>();
    if (value > 0 && value < 1e9) grant.expires_in = std::chrono::seconds(static_cast<long>(value));
  }
  if (grant.expires_in <= std::chrono::seconds(0)) grant.expires_in = kDefaultLifetime;
  if (auto it = json.find("issued_at"); it != json.end() && it->is_string()) {
    grant.issued_at = parse_rfc3339(it->get<std::string>());
  }
  return grant;
}

std::chrono::seconds remaining_lifetime(const TokenGrant& grant,
                                        std::chrono::system_clock::time_point now) {
  if (!grant.issued_at) return grant.expires_in;
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - *grant.issued_at);
  if (age < std::chrono::seconds(0) || age >= grant.expires_in) return grant.expires_in;
  return grant.expires_in - age;
}

}  // namespace regcache::upstream
