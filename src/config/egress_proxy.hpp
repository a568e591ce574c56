#pragma once
// The egress proxy regcache uses to reach upstream registries, read from the
// same variables registry:2 (Go's net/http) honours: HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY, each also in lower case. The upper-case variable wins when both are
// set and non-empty; an empty variable counts as unset.

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "util/result.hpp"

namespace regcache::config {

// Validates and normalises one proxy URL to scheme://[userinfo@]host:port:
//  - no scheme ("proxy:3128") means http://, as in Go and curl;
//  - scheme http, https, socks5 or socks5h;
//  - a missing port becomes Go's default (80 http, 443 https, 1080 socks5),
//    written out because libcurl would otherwise assume 1080 for every scheme;
//  - no path other than "/", no query, no fragment.
// The error is a short reason that never contains the URL (it may hold a password).
Result<std::string, std::string> normalize_proxy_url(std::string_view text);

// Reads the proxy variables from `env`. Throws ConfigError naming the variable,
// with any credentials in the URL replaced by "***".
EgressProxy egress_proxy_from_environment(const Environment& env);

// SSL_CERT_FILE / SSL_CERT_DIR; a file or directory that cannot be read is a ConfigError.
UpstreamTrust upstream_trust_from_environment(const Environment& env);

}  // namespace regcache::config
