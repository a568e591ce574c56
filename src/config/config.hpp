#pragma once
// The validated configuration regcache runs with. It is built from registry:2's
// config.yml (the keys this job uses), REGISTRY_* environment overrides, the egress
// proxy variables and regcache's own `regcache:` section. Every field has a default,
// so an empty or missing file gives a working Docker Hub mirror on :5000.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
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

// storage.s3 (registry:2's key names), completed from AWS_* variables.
struct S3Config {
  std::string endpoint;  // storage.s3.regionendpoint or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  std::string region;    // storage.s3.region or AWS_REGION / AWS_DEFAULT_REGION
  std::string bucket;
  std::string access_key;  // or AWS_ACCESS_KEY_ID
  std::string secret_key;  // or AWS_SECRET_ACCESS_KEY
  std::string root_directory;
  bool path_style = false;  // storage.s3.forcepathstyle; false: virtual-host style
  uint64_t part_size = 16 * 1024 * 1024;  // storage.s3.chunksize
  // storage.redirect.disable: false: blob GETs are redirected to presigned
  // URLs of the bucket. Off unless set so (registry:2 redirects by default).
  bool redirect = false;
  // regcache.s3_local_cache.max_size: local copies in front of the bucket
  // (bytes, or a percentage of the local filesystem); 0 turns them off.
  uint64_t local_cache_bytes = 10ull * 1024 * 1024 * 1024;
  double local_cache_percent = 0;
};

struct StorageConfig {
  // With storage.s3 this local directory keeps the staging files and the index.
  std::filesystem::path root = "/var/lib/registry";  // storage.filesystem.rootdirectory
  bool delete_enabled = false;                       // storage.delete.enabled
  std::optional<S3Config> s3;                        // content on S3 instead of root
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

// One upstream registry: from the `proxy:` section or an entry of regcache.upstreams.
struct UpstreamConfig {
  std::string name = "docker.io";                           // routing name, lower case
  std::string remote_url = "https://registry-1.docker.io";  // no trailing '/'
  std::string username;
  std::string password;
  Seconds ttl = std::chrono::hours(168);  // 0 = never expire
  Seconds tag_revalidate = Seconds(60);   // regcache.tag_revalidate unless set per upstream
  bool docker_hub_library_rule = true;    // "alpine" -> "library/alpine" (Docker Hub only)
  // Other names that select this upstream as a path prefix or `ns` value ("k8s",
  // "index.docker.io"), and Host header names that select it ("ghcr.mirror.example.com").
  std::vector<std::string> aliases;
  std::vector<std::string> hosts;
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

// A size in bytes or as a share of the cache's filesystem (see byte_size.hpp).
struct SizeLimit {
  uint64_t bytes = 0;  // used when percent == 0
  double percent = 0;  // of the filesystem's size, (0, 100]
  bool is_set() const { return bytes > 0 || percent > 0; }
  uint64_t resolve(uint64_t filesystem_bytes) const;
};

// How the cache keeps itself within its disk budget (the `regcache:` section).
// registry:2's storage.delete.enabled does not gate any of this: a cache that
// may not evict would grow without bound.
struct LifecycleConfig {
  SizeLimit max_size;                           // regcache.max_size; unset = no fixed budget
  SizeLimit min_free_space{0, 5};               // regcache.min_free_space
  unsigned high_watermark = 95;                 // % of the budget that starts eviction
  unsigned low_watermark = 85;                  // % of the budget eviction goes down to
  Seconds gc_interval = std::chrono::hours(1);  // 0 = garbage collection on demand only
  // regcache.gc_grace: on a shared bucket, an object no tag or pin reaches is
  // removed only when no node used it for this long.
  Seconds gc_grace = std::chrono::hours(1);
};

// regcache.admin_addr: an optional second listener for the operator endpoints
// (/metrics, the status page, /healthz, /readyz). When set, /metrics and the
// status page are served only there; the probes stay on the main listener too.
struct AdminConfig {
  std::string addr;  // as given; empty = no admin listener
  std::string host;  // parsed; empty = all interfaces
  uint16_t port = 0;
};

// redis (registry:2's key names): several nodes on one storage.s3 bucket claim
// each upstream fetch there, so a blob is fetched once for all of them.
struct RedisConfig {
  std::string host;  // from redis.addr "host:port"
  uint16_t port = 6379;
  // redis.addrs: seed nodes of a Redis Cluster (host, port); when set, host
  // and port are unused.
  std::vector<std::pair<std::string, uint16_t>> cluster;
  std::string password;                                 // redis.password
  unsigned db = 0;                                      // redis.db
  std::chrono::milliseconds dial_timeout{500};          // redis.dialtimeout
  std::chrono::milliseconds io_timeout{500};            // redis.readtimeout / writetimeout
  Seconds fetch_lease = Seconds(30);                    // regcache.fetch_lease
  // regcache.node_url: where the other nodes reach this one to follow its
  // downloads; empty = derived from http.addr (the host name if it has none).
  std::string node_url;
  // Following another node over https: regcache.peer_ca (PEM file; default the
  // node's own http.tls.certificate) is trusted besides the system CAs;
  // regcache.peer_tls_skip_verify turns verification off.
  std::string peer_ca;
  bool peer_skip_verify = false;
  // redis.tls.enabled: talk to Redis (every cluster node) over TLS. The server
  // certificate is checked against the system CAs plus redis.tls.ca, unless
  // redis.tls.insecureskipverify; redis.tls.certificate + key: a client
  // certificate (Redis asks for one by default, tls-auth-clients yes).
  struct Tls {
    bool enabled = false;
    std::string ca;
    bool skip_verify = false;
    std::string certificate;
    std::string key;
  } tls;
};

enum class LogLevel { trace, debug, info, warn, error };

struct Config {
  LogLevel log_level = LogLevel::info;  // log.level
  std::string log_format = "text";      // log.formatter: text | json
  HttpConfig http;
  StorageConfig storage;
  // Every upstream, in the order configured: the `proxy:` section's first (when it
  // names one), then regcache.upstreams. Never empty; names and aliases are unique.
  std::vector<UpstreamConfig> upstreams{UpstreamConfig{}};
  // The upstream for requests that name no registry (Docker's registry-mirrors);
  // empty when there is none and such requests are refused.
  std::string default_upstream = "docker.io";
  TuningConfig tuning;
  LifecycleConfig lifecycle;
  AccessConfig access;  // TLS-era serving: proxies, CDN, origin protection, auth, fair use
  AdminConfig admin;
  std::optional<RedisConfig> redis;  // set when redis.addr is
  // Non-fatal findings while loading (unknown keys, ignored registry:2 features).
  std::vector<std::string> warnings;
};

}  // namespace regcache::config
