#include "config/listen_address.hpp"

#include <algorithm>
#include <cctype>

#include "config/url.hpp"

namespace regcache::config {

Result<ListenAddress, std::string> parse_listen_address(std::string_view addr) {
  if (addr.empty()) return fail(std::string("empty (use host:port or :port, e.g. :5000)"));
  ListenAddress out;
  std::string_view port;
  if (addr.front() == '[') {
    const auto close = addr.find(']');
    if (close == std::string_view::npos) return fail(std::string("missing ']' after IPv6 address"));
    const auto host = addr.substr(1, close - 1);
    if (!is_valid_ipv6(host)) return fail(std::string("invalid IPv6 address"));
    const auto after = addr.substr(close + 1);
    if (after.empty() || after.front() != ':') {
      return fail(std::string("missing port (use [address]:port, e.g. [::1]:5000)"));
    }
    out.host = std::string(host);
    port = after.substr(1);
  } else {
    const auto colon = addr.rfind(':');
    if (colon == std::string_view::npos) {
      const bool digits_only =
          std::all_of(addr.begin(), addr.end(), [](unsigned char c) { return std::isdigit(c); });
      if (digits_only) {
        return fail("missing ':' before the port (did you mean \":" + std::string(addr) + "\"?)");
      }
      return fail(std::string("missing port (use host:port or :port, e.g. :5000)"));
    }
    const auto host = addr.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return fail(std::string("IPv6 addresses must be in brackets, e.g. [::1]:5000"));
    }
    if (!host.empty() && !is_valid_hostname(host)) return fail(std::string("invalid host"));
    out.host = std::string(host);
    port = addr.substr(colon + 1);
  }
  if (!parse_port(port, true, out.port)) return fail(std::string("port must be a number 0..65535"));
  return out;
}

}  // namespace regcache::config
