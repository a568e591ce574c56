#include "config/config_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "config/byte_size.hpp"
#include "config/access_settings.hpp"
#include "config/config_file.hpp"
#include "config/egress_proxy.hpp"
#include "config/env_overrides.hpp"
#include "config/filesystem_checks.hpp"
#include "config/listen_address.hpp"
#include "config/quote.hpp"
#include "config/redis_config.hpp"
#include "config/remote_url.hpp"
#include "config/s3_config.hpp"
#include "config/settings.hpp"
#include "config/upstream_list.hpp"
#include "config/url.hpp"

extern char** environ;

namespace regcache::config {
namespace {

using std::chrono::hours;

// Longest ttl / revalidation interval: far beyond any real use, and small enough
// that "now + ttl" cannot overflow a nanosecond clock.
constexpr Seconds kMaxExpiry = hours(24 * 365 * 100);
// Longest timeout.
constexpr Seconds kMaxTimeout = hours(24);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void read_general(const Settings& settings, Config& config, std::vector<std::string>& warnings) {
  if (const Setting* s = settings.find("version")) {
    const std::string version = text_of(*s);
    if (version != "0.1") {
      reject(*s, fmt::format("unsupported version {} (regcache reads registry:2 configuration "
                             "version 0.1)",
                             in_quotes(version)));
    }
  }
  if (const Setting* s = settings.find("log.level")) {
    // logrus levels; regcache has no panic/fatal levels, those map to error.
    const std::string level = lower(text_of(*s));
    if (level == "panic" || level == "fatal" || level == "error") {
      config.log_level = LogLevel::error;
    } else if (level == "warn" || level == "warning") {
      config.log_level = LogLevel::warn;
    } else if (level == "info") {
      config.log_level = LogLevel::info;
    } else if (level == "debug") {
      config.log_level = LogLevel::debug;
    } else if (level == "trace") {
      config.log_level = LogLevel::trace;
    } else {
      reject(*s, fmt::format("unknown log level {} (use error, warn, info, debug or trace)",
                             in_quotes(level)));
    }
  }
  if (const Setting* s = settings.find("log.formatter")) {
    const std::string formatter = lower(text_of(*s));
    if (formatter.empty() || formatter == "text") {
      config.log_format = "text";
    } else if (formatter == "json") {
      config.log_format = "json";
    } else if (formatter == "logstash") {
      config.log_format = "text";
      warnings.push_back(
          fmt::format("{}: logstash is not supported by regcache; using text "
                      "(json is also available)",
                      s->where));
    } else {
      reject(*s, fmt::format("unknown formatter {} (use text or json)", in_quotes(formatter)));
    }
  }
}

void read_storage(const Settings& settings, StorageConfig& storage) {
  if (const Setting* s = settings.find("storage.filesystem.rootdirectory")) {
    const std::string root = text_of(*s);
    if (root.empty()) reject(*s, "must not be empty");
    storage.root = root;
  }
  if (const Setting* s = settings.find("storage.delete.enabled")) {
    storage.delete_enabled = bool_of(*s);
  }
}

void read_proxy(const Settings& settings, UpstreamConfig& upstream,
                std::vector<std::string>& warnings) {
  const Setting* remote = settings.find("proxy.remoteurl");
  if (remote != nullptr) {
    const std::string text = text_of(*remote);
    auto url = parse_remote_url(text);
    if (!url) {
      reject(*remote, fmt::format("invalid URL {}: {}", in_quotes(redact_url(text)), url.error()));
    }
    upstream.remote_url = url->url;
    upstream.name = url->name;
    upstream.docker_hub_library_rule = url->docker_hub;
  }
  const Setting* username = settings.find("proxy.username");
  const Setting* password = settings.find("proxy.password");
  if (username != nullptr) upstream.username = text_of(*username);
  if (password != nullptr) upstream.password = text_of(*password);
  if (username != nullptr && !upstream.username.empty() && upstream.password.empty()) {
    warnings.push_back(fmt::format(
        "{}: proxy.password is empty; the upstream will likely refuse these credentials",
        username->where));
  }
  if (password != nullptr && upstream.username.empty() && !upstream.password.empty()) {
    warnings.push_back(fmt::format(
        "{}: ignored because proxy.username is empty (pulling anonymously)", password->where));
  }
  if (remote != nullptr && !upstream.username.empty() &&
      upstream.remote_url.starts_with("http://")) {
    warnings.push_back(fmt::format(
        "{}: credentials will be sent to the upstream without TLS (http://)", remote->where));
  }
  if (const Setting* s = settings.find("proxy.ttl")) {
    upstream.ttl = duration_of(*s, {.allow_zero = true, .max = kMaxExpiry});
  }
}

bool is_token_char(unsigned char c) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return std::isalnum(c) || kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
}

void read_header(const HeaderSetting& header, HttpConfig& http) {
  const Setting& s = header.values;
  if (header.name.empty() || !std::all_of(header.name.begin(), header.name.end(),
                                          [](unsigned char c) { return is_token_char(c); })) {
    reject(s, fmt::format("invalid header name {}", in_quotes(header.name)));
  }
  // Framing and hop-by-hop headers belong to the HTTP layer; a fixed value
  // would corrupt responses.
  constexpr std::array<std::string_view, 9> kReserved{"connection", "content-length",    "host",
                                                      "keep-alive", "proxy-connection",  "te",
                                                      "trailer",    "transfer-encoding", "upgrade"};
  if (std::find(kReserved.begin(), kReserved.end(), lower(header.name)) != kReserved.end()) {
    reject(s, fmt::format("header {} is managed by regcache and cannot be configured",
                          in_quotes(header.name)));
  }

  std::vector<std::string> values;
  const auto add = [&](const YAML::Node& node) {
    if (!node.IsScalar()) reject(s, "expected a header value or a list of values");
    const std::string& value = node.Scalar();
    const bool clean = std::none_of(value.begin(), value.end(), [](unsigned char c) {
      return (c < 0x20 && c != '\t') || c == 0x7f;
    });
    if (!clean) reject(s, "header values must not contain line breaks or control characters");
    values.push_back(value);
  };
  if (s.value.IsSequence()) {
    for (const auto& item : s.value) add(item);
  } else if (!s.value.IsNull()) {
    add(s.value);
  }
  http.headers.emplace_back(header.name, std::move(values));
}

void read_http(const Settings& settings, HttpConfig& http) {
  if (const Setting* s = settings.find("http.addr")) {
    http.addr = text_of(*s);
    auto address = parse_listen_address(http.addr);
    if (!address) {
      reject(*s,
             fmt::format("invalid listen address {}: {}", in_quotes(http.addr), address.error()));
    }
    http.host = address->host;
    http.port = address->port;
  }
  if (const Setting* s = settings.find("http.net")) {
    const std::string net = text_of(*s);
    if (net == "unix") {
      reject(*s, "unix sockets are not supported by regcache (use tcp with http.addr)");
    }
    if (!net.empty() && net != "tcp") {
      reject(*s, fmt::format("unknown network {} (only tcp is supported)", in_quotes(net)));
    }
  }
  for (const HeaderSetting& header : settings.headers) read_header(header, http);

  const Setting* certificate = settings.find("http.tls.certificate");
  const Setting* key = settings.find("http.tls.key");
  if (certificate != nullptr) http.tls.certificate = text_of(*certificate);
  if (key != nullptr) http.tls.key = text_of(*key);
  if (!http.tls.certificate.empty() && http.tls.key.empty()) {
    reject(*certificate, "http.tls.key must also be set");
  }
  if (!http.tls.key.empty() && http.tls.certificate.empty()) {
    reject(*key, "http.tls.certificate must also be set");
  }
}

void read_tuning(const Settings& settings, UpstreamConfig& upstream, TuningConfig& tuning) {
  const auto count = [&](std::string_view path, auto& field, uint64_t min, uint64_t max) {
    if (const Setting* s = settings.find(path)) {
      field = static_cast<std::remove_reference_t<decltype(field)>>(integer_of(*s, min, max));
    }
  };
  const auto timeout = [&](std::string_view path, Seconds& field) {
    if (const Setting* s = settings.find(path)) {
      field = duration_of(*s, {.allow_zero = false, .max = kMaxTimeout});
    }
  };
  if (const Setting* s = settings.find("regcache.tag_revalidate")) {
    upstream.tag_revalidate = duration_of(*s, {.allow_zero = true, .max = kMaxExpiry});
  }
  count("regcache.io_threads", tuning.io_threads, 0, 256);
  count("regcache.upstream_workers", tuning.upstream_workers, 1, 1024);
  count("regcache.upstream_retries", tuning.upstream_retries, 0, 10);
  count("regcache.max_header_bytes", tuning.max_header_bytes, 1024, 1024 * 1024);
  count("regcache.max_connections", tuning.max_connections, 1, 1'000'000);
  count("regcache.max_url_bytes", tuning.max_url_bytes, 256, 1024 * 1024);
  count("regcache.max_header_count", tuning.max_header_count, 8, 10'000);
  timeout("regcache.upstream_connect_timeout", tuning.upstream_connect_timeout);
  timeout("regcache.upstream_stall_timeout", tuning.upstream_stall_timeout);
  timeout("regcache.request_header_timeout", tuning.request_header_timeout);
  timeout("regcache.idle_timeout", tuning.idle_timeout);
}

void read_lifecycle(const Settings& settings, LifecycleConfig& lifecycle) {
  const auto size = [&](std::string_view path, SizeLimit& field) {
    if (const Setting* s = settings.find(path)) {
      const std::string text = text_of(*s);
      auto parsed = parse_size_limit(text);
      if (!parsed) {
        reject(*s, fmt::format("invalid size {}: {}", in_quotes(text), parsed.error()));
      }
      field = *parsed;
    }
  };
  size("regcache.max_size", lifecycle.max_size);
  size("regcache.min_free_space", lifecycle.min_free_space);
  const Setting* high = settings.find("regcache.high_watermark");
  const Setting* low = settings.find("regcache.low_watermark");
  if (high != nullptr) lifecycle.high_watermark = static_cast<unsigned>(integer_of(*high, 2, 100));
  if (low != nullptr) lifecycle.low_watermark = static_cast<unsigned>(integer_of(*low, 1, 99));
  if (lifecycle.low_watermark >= lifecycle.high_watermark) {
    const Setting* s = low != nullptr ? low : high;
    reject(*s, fmt::format("low_watermark ({}) must be below high_watermark ({})",
                           lifecycle.low_watermark, lifecycle.high_watermark));
  }
  if (const Setting* s = settings.find("regcache.gc_interval")) {
    lifecycle.gc_interval = duration_of(*s, {.allow_zero = true, .max = kMaxExpiry});
  }
  if (const Setting* s = settings.find("regcache.gc_grace")) {
    lifecycle.gc_grace = duration_of(*s, {.allow_zero = false, .max = kMaxExpiry});
  }
}

void read_admin(const Settings& settings, AdminConfig& admin) {
  const Setting* s = settings.find("regcache.admin_addr");
  if (s == nullptr) return;
  admin.addr = text_of(*s);
  if (admin.addr.empty()) return;
  auto address = parse_listen_address(admin.addr);
  if (!address) {
    reject(*s,
           fmt::format("invalid listen address {}: {}", in_quotes(admin.addr), address.error()));
  }
  admin.host = address->host;
  admin.port = address->port;
}

// Checks that touch the filesystem, after every value is known to be valid so a
// rejected configuration leaves no directory behind.
void check_paths(const Settings& settings, const Config& config) {
  for (const auto* path : {"http.tls.certificate", "http.tls.key", "auth.htpasswd.path"}) {
    const Setting* s = settings.find(path);
    if (s == nullptr) continue;
    const std::string file = text_of(*s);
    if (file.empty()) continue;
    if (auto readable = check_readable_file(file); !readable) reject(*s, readable.error());
  }
  if (auto root = prepare_storage_root(config.storage.root); !root) {
    if (const Setting* s = settings.find("storage.filesystem.rootdirectory")) {
      reject(*s, root.error());
    }
    throw ConfigError(fmt::format(
        "storage.filesystem.rootdirectory (default): {} (set storage.filesystem.rootdirectory "
        "or REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY)",
        root.error()));
  }
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::optional<std::filesystem::path> configuration_path_from_environment(const Environment& env) {
  const auto it = env.find(kConfigurationPathVariable);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return std::filesystem::path(it->second);
}

Config load_config(const std::optional<std::filesystem::path>& file, const Environment& env,
                   LoadOptions options) {
  Settings settings;
  if (file && !file->empty()) read_config_file(*file, settings);
  apply_environment_overrides(env, settings);

  Config config;
  std::vector<std::string> warnings = std::move(settings.warnings);
  read_general(settings, config, warnings);
  read_storage(settings, config.storage);
  config.storage.s3 = read_s3_config(settings, env);
  if (const Setting* s = settings.find("storage.redirect.disable"); s && !config.storage.s3) {
    warnings.push_back(s->where +
                       ": not used by regcache (ignored): only blobs on storage.s3 are "
                       "redirected (to presigned URLs)");
  }
  UpstreamConfig proxy_upstream;
  read_proxy(settings, proxy_upstream, warnings);
  read_http(settings, config.http);
  read_tuning(settings, proxy_upstream, config.tuning);
  read_lifecycle(settings, config.lifecycle);
  read_access_settings(settings, config, warnings);
  read_admin(settings, config.admin);
  proxy_upstream.egress = egress_proxy_from_environment(env);
  proxy_upstream.trust = upstream_trust_from_environment(env);
  read_upstreams(settings, proxy_upstream, config, warnings);
  config.redis = read_redis_config(settings, config.storage.s3.has_value(), warnings);
  if (options.check_paths) check_paths(settings, config);
  config.warnings = std::move(warnings);
  return config;
}

}  // namespace regcache::config
