#include "config/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace regcache::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  });
}

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

}  // namespace

std::string UrlParts::host_port() const {
  std::string out = ipv6 ? "[" + host + "]" : host;
  if (!port.empty()) out += ":" + port;
  return out;
}

bool parse_port(std::string_view digits, bool allow_zero, uint16_t& port) {
  if (digits.empty() || digits.size() > 5) return false;
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  unsigned value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value > 65535 || (value == 0 && !allow_zero)) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

bool is_valid_ipv6(std::string_view host) {
  const auto zone = host.find('%');
  if (zone != std::string_view::npos && zone + 1 == host.size()) return false;
  const std::string address(host.substr(0, zone));
  in6_addr parsed{};
  return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

bool is_valid_hostname(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // fully qualified name
  if (host.empty() || host.size() > 253) return false;
  bool all_numeric = true;
  std::size_t start = 0;
  while (true) {
    auto end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const auto label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (unsigned char c : label) {
      if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
      if (!std::isdigit(c)) all_numeric = false;
    }
    if (end == host.size()) break;
    start = end + 1;
  }
  if (all_numeric) {
    in_addr parsed{};
    return inet_pton(AF_INET, std::string(host).c_str(), &parsed) == 1;
  }
  return true;
}

Result<UrlParts, std::string> parse_url(std::string_view text) {
  if (has_space_or_control(text)) return fail(std::string("contains spaces or control characters"));
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return fail(std::string("missing scheme (expected e.g. https://host)"));
  }
  if (!is_scheme(text.substr(0, scheme_end))) return fail(std::string("invalid scheme"));

  UrlParts url;
  url.scheme = lower(text.substr(0, scheme_end));
  std::string_view rest = text.substr(scheme_end + 3);

  auto authority_end = rest.find_first_of("/?#");
  if (authority_end == std::string_view::npos) authority_end = rest.size();
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = rest.substr(authority_end);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    url.has_userinfo = true;
    url.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }

  std::string_view port;
  bool has_port_separator = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(std::string("missing ']' after IPv6 address"));
    const auto host = authority.substr(1, close - 1);
    if (!is_valid_ipv6(host)) return fail(std::string("invalid IPv6 address"));
    url.host = lower(host);
    url.ipv6 = true;
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(std::string("unexpected text after IPv6 address"));
      has_port_separator = true;
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port_separator = true;
      port = authority.substr(colon + 1);
      if (port.find(':') != std::string_view::npos) {
        return fail(std::string("IPv6 addresses must be in brackets, e.g. [::1]"));
      }
    }
    if (host.empty()) return fail(std::string("missing host"));
    if (!is_valid_hostname(host)) return fail(std::string("invalid host name"));
    url.host = lower(host);
  }
  if (has_port_separator) {
    uint16_t number = 0;
    if (!parse_port(port, false, number))
      return fail(std::string("port must be a number 1..65535"));
    url.port = std::string(port);
  }

  const auto query = tail.find('?');
  const auto fragment = tail.find('#');
  url.has_query =
      query != std::string_view::npos && (fragment == std::string_view::npos || query < fragment);
  url.has_fragment = fragment != std::string_view::npos;
  url.path = std::string(tail.substr(0, std::min(query, fragment)));
  return url;
}

std::string redact_url(std::string_view text) {
  // Hide everything between the scheme and the last '@', even when a password
  // holds characters such as '/' that should have been percent-encoded.
  const auto scheme_end = text.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(text);
  return std::string(text.substr(0, start)) + "***" + std::string(text.substr(at));
}

}  // namespace regcache::config
