#pragma once
// Small helpers for the URLs the upstream client builds and logs.

#include <string>
#include <string_view>

namespace regcache::upstream {

// Percent-encodes everything but RFC 3986 unreserved characters (for query values).
std::string percent_encode(std::string_view text);

// The URL without user:password@ and, unless keep_query, without its query
// string (redirect targets carry signed query parameters that act as credentials).
std::string redact_url(std::string_view url, bool keep_query);

// "https://host:port/..." -> "host:port" (empty when the URL has no scheme).
std::string url_authority(std::string_view url);

}  // namespace regcache::upstream
