#pragma once
// The parts of an absolute URL ("scheme://[userinfo@]host[:port][/path][?query][#fragment]"),
// as far as configuration needs them: the upstream registry (proxy.remoteurl) and
// the egress proxy (HTTP_PROXY and friends). Not a general RFC 3986 parser.

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace regcache::config {

struct UrlParts {
  std::string scheme;    // lower-cased
  std::string userinfo;  // as written, without the '@'; may hold a password
  bool has_userinfo = false;
  std::string host;  // lower-cased; an IPv6 address without its brackets
  bool ipv6 = false;
  std::string port;  // digits as written (validated 1..65535); empty if none
  std::string path;  // from the first '/' up to '?' or '#'; empty if none
  bool has_query = false;
  bool has_fragment = false;

  // host (bracketed when IPv6) followed by ":port" when a port was written.
  std::string host_port() const;
};

// Splits `text`. Fails (with a short reason, never echoing the input) when the
// scheme, the "://", or the host is missing, or the port is not 1..65535.
Result<UrlParts, std::string> parse_url(std::string_view text);

// `text` with any userinfo replaced by "***", safe for messages:
// "http://user:secret@proxy:3128" -> "http://***@proxy:3128". Also handles a
// URL written without a scheme ("user:secret@proxy:3128").
std::string redact_url(std::string_view text);

// A DNS name (letters, digits, '-', '_', dots) or, when all labels are numeric,
// a valid dotted IPv4 address.
bool is_valid_hostname(std::string_view host);

// An IPv6 address as written inside brackets, with an optional zone ("fe80::1%eth0").
bool is_valid_ipv6(std::string_view host);

// Parses a decimal TCP port. `allow_zero` for listen addresses (0 = any free port).
bool parse_port(std::string_view digits, bool allow_zero, uint16_t& port);

}  // namespace regcache::config
