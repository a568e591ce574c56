#include "config/egress_proxy.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "config/config_error.hpp"
#include "config/quote.hpp"
#include "config/url.hpp"

namespace regcache::config {
namespace {

struct Variable {
  std::string name;
  std::string value;
};

// The first of `names` that is set and non-empty (Go's getEnvAny).
Variable first_set(const Environment& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const auto it = env.find(name);
    if (it != env.end() && !it->second.empty()) return {name, it->second};
  }
  return {};
}

std::string_view default_port(std::string_view scheme) {
  if (scheme == "http") return "80";
  if (scheme == "https") return "443";
  return "1080";  // socks5, socks5h
}

}  // namespace

Result<std::string, std::string> normalize_proxy_url(std::string_view text) {
  std::string with_scheme(text);
  if (text.find("://") == std::string_view::npos) with_scheme = "http://" + with_scheme;
  auto parsed = parse_url(with_scheme);
  if (!parsed) return fail(std::move(parsed.error()));
  UrlParts& url = *parsed;
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "socks5" &&
      url.scheme != "socks5h") {
    return fail("unsupported scheme " + in_quotes(url.scheme) + " (use http, https or socks5)");
  }
  if (!url.path.empty() && url.path != "/") return fail(std::string("must not have a path"));
  if (url.has_query || url.has_fragment) {
    return fail(std::string("must not have a query (?) or fragment (#)"));
  }
  if (url.port.empty()) url.port = default_port(url.scheme);
  std::string out = url.scheme + "://";
  if (url.has_userinfo) out += url.userinfo + "@";
  out += url.host_port();
  return out;
}

EgressProxy egress_proxy_from_environment(const Environment& env) {
  const auto checked = [](const Variable& var) -> std::string {
    if (var.value.empty()) return {};
    auto url = normalize_proxy_url(var.value);
    if (!url) {
      throw ConfigError(fmt::format("environment {}: invalid proxy URL {}: {}", var.name,
                                    in_quotes(redact_url(var.value)), url.error()));
    }
    return std::move(*url);
  };
  EgressProxy proxy;
  proxy.http_proxy = checked(first_set(env, {"HTTP_PROXY", "http_proxy"}));
  proxy.https_proxy = checked(first_set(env, {"HTTPS_PROXY", "https_proxy"}));
  proxy.no_proxy = first_set(env, {"NO_PROXY", "no_proxy"}).value;
  return proxy;
}

UpstreamTrust upstream_trust_from_environment(const Environment& env) {
  UpstreamTrust trust;
  if (auto it = env.find("SSL_CERT_FILE"); it != env.end() && !it->second.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(it->second, ec)) {
      throw ConfigError(fmt::format("environment SSL_CERT_FILE: {} is not a readable file",
                                    in_quotes(it->second)));
    }
    trust.ca_file = it->second;
  }
  if (auto it = env.find("SSL_CERT_DIR"); it != env.end() && !it->second.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(it->second, ec)) {
      throw ConfigError(fmt::format("environment SSL_CERT_DIR: {} is not a directory",
                                    in_quotes(it->second)));
    }
    trust.ca_dir = it->second;
  }
  return trust;
}

}  // namespace regcache::config
