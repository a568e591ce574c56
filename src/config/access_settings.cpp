#include "config/access_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "config/listen_address.hpp"
#include "config/quote.hpp"
#include "config/url.hpp"
#include "util/ip_range.hpp"

namespace regcache::config {
namespace {

constexpr Seconds kMaxAge = std::chrono::hours(24 * 365);
constexpr size_t kWeakSecretLength = 16;

bool is_token(std::string_view text) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](unsigned char c) {
    return std::isalnum(c) || kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_visible_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

std::vector<std::string> cidr_list(const Setting& setting) {
  auto texts = list_of(setting);
  if (auto parsed = IpRangeSet::parse(texts); !parsed) {
    reject(setting, fmt::format("invalid address range {} (use CIDR notation such as "
                                "10.0.0.0/8 or 2001:db8::/32, or a single address)",
                                parsed.error()));
  }
  return texts;
}

uint32_t count_of(const Settings& settings, std::string_view path, uint32_t current, uint32_t max) {
  const Setting* s = settings.find(path);
  return s ? static_cast<uint32_t>(integer_of(*s, 0, max)) : current;
}

void read_tls(const Settings& settings, TlsConfig& tls, uint16_t main_port,
              const std::string& main_host) {
  const bool serving = !tls.certificate.empty();
  if (const Setting* s = settings.find("http.tls.minimumtls")) {
    std::string version = text_of(*s);
    std::transform(version.begin(), version.end(), version.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (version == "tls1.0" || version == "tls1.1") {
      reject(*s, fmt::format("{} is not offered: regcache serves TLS 1.2 or newer (use tls1.2 "
                             "or tls1.3)",
                             in_quotes(version)));
    }
    if (version != "tls1.2" && version != "tls1.3") {
      reject(*s, fmt::format("unknown TLS version {} (use tls1.2 or tls1.3)", in_quotes(version)));
    }
    tls.minimum_version = version;
  }
  if (const Setting* s = settings.find("regcache.tls.reload_interval")) {
    tls.reload_interval = duration_of(*s, {.allow_zero = true, .max = std::chrono::hours(24)});
  }
  if (const Setting* s = settings.find("regcache.tls.redirect_addr")) {
    tls.redirect_addr = text_of(*s);
    if (tls.redirect_addr.empty()) return;
    if (!serving) {
      reject(*s, "a redirect to https needs TLS: set http.tls.certificate and http.tls.key");
    }
    auto address = parse_listen_address(tls.redirect_addr);
    if (!address) {
      reject(*s, fmt::format("invalid listen address {}: {}", in_quotes(tls.redirect_addr),
                             address.error()));
    }
    if (address->port != 0 && address->port == main_port &&
        (address->host == main_host || address->host.empty() || main_host.empty())) {
      reject(*s, "must use another port than http.addr");
    }
    tls.redirect_host = address->host;
    tls.redirect_port = address->port;
  }
}

void read_auth(const Settings& settings, ClientAuthConfig& auth,
               std::vector<std::string>& warnings) {
  const Setting* path = settings.find("auth.htpasswd.path");
  const Setting* realm = settings.find("auth.htpasswd.realm");
  if (path != nullptr) auth.htpasswd = text_of(*path);
  if (realm != nullptr) {
    auth.realm = text_of(*realm);
    const bool clean = std::none_of(auth.realm.begin(), auth.realm.end(), [](unsigned char c) {
      return c < 0x20 || c == 0x7f || c == '"' || c == '\\';
    });
    if (!clean) reject(*realm, "must not contain quotes, backslashes or control characters");
  }
  if (realm != nullptr && auth.htpasswd.empty()) {
    reject(*realm, "auth.htpasswd.path must also be set (the htpasswd file with the users)");
  }
  if (const Setting* s = settings.find("regcache.auth.anonymous_pull")) {
    auth.anonymous_pull = bool_of(*s);
    if (auth.htpasswd.empty()) {
      warnings.push_back(fmt::format(
          "{}: has no effect without auth.htpasswd (every client pulls anonymously)", s->where));
    }
  }
}

void read_cdn(const Settings& settings, CdnConfig& cdn) {
  if (const Setting* s = settings.find("regcache.cdn.tag_max_age")) {
    cdn.tag_max_age = duration_of(*s, {.allow_zero = true, .max = kMaxAge});
  }
  if (const Setting* s = settings.find("regcache.cdn.blob_redirect")) {
    std::string url = text_of(*s);
    if (url.empty()) return;
    auto parts = parse_url(url);
    if (!parts)
      reject(*s, fmt::format("invalid URL {}: {}", in_quotes(redact_url(url)), parts.error()));
    if (parts->scheme != "https" && parts->scheme != "http") {
      reject(*s, "the CDN URL must start with https:// (or http://)");
    }
    if (parts->has_userinfo || parts->has_query || parts->has_fragment) {
      reject(*s, "the CDN URL must not contain credentials, a query or a fragment");
    }
    while (url.ends_with('/')) url.pop_back();
    cdn.blob_redirect = url;
  }
}

void read_origin(const Settings& settings, OriginConfig& origin,
                 std::vector<std::string>& warnings) {
  if (const Setting* s = settings.find("regcache.origin.secret_header")) {
    origin.secret_header = text_of(*s);
    if (!is_token(origin.secret_header)) {
      reject(*s, fmt::format("invalid header name {}", in_quotes(origin.secret_header)));
    }
  }
  if (const Setting* s = settings.find("regcache.origin.secrets")) {
    origin.secrets = list_of(*s);
    for (const auto& secret : origin.secrets) {
      // Never echo a secret: the message says what is wrong, not which value.
      if (secret.empty() || !is_visible_ascii(secret)) {
        reject(*s, "each secret must be non-empty printable ASCII without spaces");
      }
    }
    if (std::any_of(origin.secrets.begin(), origin.secrets.end(),
                    [](const std::string& secret) { return secret.size() < kWeakSecretLength; })) {
      warnings.push_back(fmt::format("{}: a secret shorter than {} characters is easy to guess",
                                     s->where, kWeakSecretLength));
    }
  }
  if (const Setting* s = settings.find("regcache.origin.allow")) origin.allow = cidr_list(*s);
  if (const Setting* s = settings.find("regcache.origin.deny")) origin.deny = cidr_list(*s);
  if (const Setting* s = settings.find("regcache.origin.health_allow")) {
    origin.health_allow = cidr_list(*s);
  }
  if (const Setting* s = settings.find("regcache.origin.health_paths")) {
    origin.health_paths = list_of(*s);
    for (const auto& path : origin.health_paths) {
      if (!path.starts_with('/') || !is_visible_ascii(path) ||
          path.find('?') != std::string::npos) {
        reject(*s, fmt::format("{} is not a path (write it as /healthz)", in_quotes(path)));
      }
      if (path == "/v2" || path.starts_with("/v2/")) {
        reject(*s,
               fmt::format("{} is part of the registry API and cannot be exempt", in_quotes(path)));
      }
    }
  }
}

void read_limits(const Settings& settings, FairUseConfig& limits) {
  constexpr uint32_t kMax = 1'000'000;
  limits.requests_per_second =
      count_of(settings, "regcache.limits.requests_per_second", limits.requests_per_second, kMax);
  limits.request_burst =
      count_of(settings, "regcache.limits.request_burst", limits.request_burst, kMax);
  limits.downloads_per_client =
      count_of(settings, "regcache.limits.downloads_per_client", limits.downloads_per_client, kMax);
  limits.connections_per_client = count_of(settings, "regcache.limits.connections_per_client",
                                           limits.connections_per_client, kMax);
  limits.upstream_fetches =
      count_of(settings, "regcache.limits.upstream_fetches", limits.upstream_fetches, kMax);
}

// Settings that only make sense together.
void check_combinations(const Settings& settings, const Config& config) {
  const auto& access = config.access;
  if (!access.cdn.blob_redirect.empty()) {
    const Setting& s = *settings.find("regcache.cdn.blob_redirect");
    if (access.origin.secrets.empty()) {
      reject(s,
             "needs regcache.origin.secrets: the CDN's own requests carry the secret and get "
             "the bytes, every other blob GET is redirected (without it the CDN would be "
             "redirected to itself)");
    }
    if (!access.auth.htpasswd.empty() && !access.auth.anonymous_pull) {
      reject(s,
             "cannot be combined with auth.htpasswd unless regcache.auth.anonymous_pull is "
             "true: the CDN fetches blobs without the client's credentials");
    }
  }
  const Setting* burst = settings.find("regcache.limits.request_burst");
  if (burst != nullptr && access.limits.requests_per_second == 0 &&
      access.limits.request_burst > 0) {
    reject(*burst, "needs regcache.limits.requests_per_second");
  }
}

}  // namespace

void read_access_settings(const Settings& settings, Config& config,
                          std::vector<std::string>& warnings) {
  read_tls(settings, config.http.tls, config.http.port, config.http.host);
  if (const Setting* s = settings.find("regcache.trusted_proxies")) {
    config.access.trusted_proxies = cidr_list(*s);
  }
  read_auth(settings, config.access.auth, warnings);
  read_cdn(settings, config.access.cdn);
  read_origin(settings, config.access.origin, warnings);
  read_limits(settings, config.access.limits);
  check_combinations(settings, config);
}

}  // namespace regcache::config
