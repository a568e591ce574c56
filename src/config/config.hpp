#pragma once
// The validated configuration regcache runs with. It is built from registry:2's
// config.yml (the keys this job uses), REGISTRY_* environment overrides, the egress
// proxy variables and regcache's own `regcache:` section. Every field has a default,
// so an empty or missing file gives a working Docker Hub mirror on :5000.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/access_config.hpp"

namespace regcache::config {

using Seconds = std::chrono::seconds;

struct TlsConfig {
  std::filesystem::path certificate;  // http.tls.certificate; empty = plain HTTP
  std::filesystem::path key;          // http.tls.key
  std::string minimum_version = "tls1.2";  // http.tls.minimumtls: tls1.2 | tls1.3
  Seconds reload_interval = Seconds(10);   // regcache.tls.reload_interval; 0 = SIGHUP only
  // regcache.tls.redirect_addr: a plain-HTTP listener that redirects to https.
  std::string redirect_addr;  // as given; empty = none
  std::string redirect_host;  // parsed, as HttpConfig::host
  uint16_t redirect_port = 0;
};

struct HttpConfig {
  std::string addr = ":5000";  // http.addr as given
  std::string host;            // parsed from addr; empty = all interfaces
  uint16_t port = 5000;        // parsed from addr
  // http.headers: extra response headers, each name with one or more values.
  std::vector<std::pair<std::string, std::vector<std::string>>> headers;
  TlsConfig tls;
};

struct StorageConfig {
  std::filesystem::path root = "/var/lib/registry";  // storage.filesystem.rootdirectory
  bool delete_enabled = false;                       // storage.delete.enabled
};

// Egress proxy, from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case; upper case wins).
struct EgressProxy {
  std::string http_proxy;   // used for http:// upstreams
  std::string https_proxy;  // used for https:// upstreams (CONNECT)
  std::string no_proxy;     // comma-separated hosts/domains/CIDRs, passed to libcurl as is
};

// Which certificate authorities to trust for https:// upstreams. Empty = the
// system's bundle. From SSL_CERT_FILE / SSL_CERT_DIR, which registry:2 (Go) honours.
struct UpstreamTrust {
  std::filesystem::path ca_file;
  std::filesystem::path ca_dir;
};

struct UpstreamConfig {
  std::string name = "docker.io";                           // routing name
  std::string remote_url = "https://registry-1.docker.io";  // proxy.remoteurl, no trailing '/'
  std::string username;                                     // proxy.username
  std::string password;                                     // proxy.password
  Seconds ttl = std::chrono::hours(168);                    // proxy.ttl; 0 = never expire
  Seconds tag_revalidate = Seconds(60);                     // regcache.tag_revalidate
  bool docker_hub_library_rule = true;  // "alpine" -> "library/alpine" (Docker Hub only)
  EgressProxy egress;
  UpstreamTrust trust;
};

// regcache's own settings (the `regcache:` section of config.yml).
struct TuningConfig {
  unsigned io_threads = 0;         // 0 = one per CPU core
  unsigned upstream_workers = 32;  // concurrent upstream operations
  Seconds upstream_connect_timeout = Seconds(10);
  Seconds upstream_stall_timeout = Seconds(30);  // no byte for this long = broken transfer
  unsigned upstream_retries = 3;                 // on connection errors and 5xx
  Seconds request_header_timeout = Seconds(30);  // time to read a request head
  Seconds idle_timeout = Seconds(120);           // keep-alive connection without a request
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t max_connections = 10000;
  uint32_t max_url_bytes = 8192;    // longest request target (path and query)
  uint32_t max_header_count = 100;  // most header fields in one request
};

// regcache.admin_addr: an optional second listener for the operator endpoints
// (/metrics, the status page, /healthz, /readyz). When set, /metrics and the
// status page are served only there; the probes stay on the main listener too.
struct AdminConfig {
  std::string addr;  // as given; empty = no admin listener
  std::string host;  // parsed; empty = all interfaces
  uint16_t port = 0;
};

enum class LogLevel { trace, debug, info, warn, error };

struct Config {
  LogLevel log_level = LogLevel::info;  // log.level
  std::string log_format = "text";      // log.formatter: text | json
  HttpConfig http;
  StorageConfig storage;
  UpstreamConfig upstream;  // the `proxy:` section: the Docker Hub (default) upstream
  TuningConfig tuning;
  AccessConfig access;  // TLS-era serving: proxies, CDN, origin protection, auth, fair use
  AdminConfig admin;
  // Non-fatal findings while loading (unknown keys, ignored registry:2 features).
  std::vector<std::string> warnings;
};

}  // namespace regcache::config
