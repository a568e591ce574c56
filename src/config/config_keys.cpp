#include "config/config_keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace regcache::config {
namespace {

using enum KeyKind;

constexpr std::string_view kOnlyHtpasswd =
    "regcache authenticates clients with auth.htpasswd only; ignoring this would let anyone who "
    "can reach the mirror pull with its upstream credentials. Use auth.htpasswd, or restrict "
    "access in front of regcache (nginx, firewall, regcache.origin)";

constexpr std::array kKeys{
    KeySpec{"version", value},

    KeySpec{"log", section},
    KeySpec{"log.level", value},
    KeySpec{"log.formatter", value},
    KeySpec{"log.fields", unused},
    KeySpec{"log.hooks", unused},
    KeySpec{"log.accesslog", unused},
    KeySpec{"log.reportcaller", unused},
    KeySpec{"loglevel", unused, "use log.level"},

    KeySpec{"storage", section},
    KeySpec{"storage.filesystem", section},
    KeySpec{"storage.filesystem.rootdirectory", value},
    KeySpec{"storage.filesystem.maxthreads", unused},
    KeySpec{"storage.s3", section},
    KeySpec{"storage.s3.accesskey", value},
    KeySpec{"storage.s3.secretkey", value},
    KeySpec{"storage.s3.region", value},
    KeySpec{"storage.s3.regionendpoint", value},
    KeySpec{"storage.s3.bucket", value},
    KeySpec{"storage.s3.rootdirectory", value},
    KeySpec{"storage.s3.forcepathstyle", value},
    KeySpec{"storage.s3.secure", value},
    KeySpec{"storage.s3.chunksize", value},
    KeySpec{"storage.s3.encrypt", unused},
    KeySpec{"storage.s3.keyid", unused},
    KeySpec{"storage.s3.skipverify", unused},
    KeySpec{"storage.s3.v4auth", unused},
    KeySpec{"storage.s3.multipartcopychunksize", unused},
    KeySpec{"storage.s3.multipartcopymaxconcurrency", unused},
    KeySpec{"storage.s3.multipartcopythresholdsize", unused},
    KeySpec{"storage.s3.storageclass", unused},
    KeySpec{"storage.s3.objectacl", unused},
    KeySpec{"storage.s3.useragent", unused},
    KeySpec{"storage.s3.usedualstack", unused},
    KeySpec{"storage.s3.accelerate", unused},
    KeySpec{"storage.s3.loglevel", unused},
    KeySpec{"storage.delete", section},
    KeySpec{"storage.delete.enabled", value},
    KeySpec{"storage.cache", unused},
    KeySpec{"storage.maintenance", unused},
    KeySpec{"storage.redirect", section},
    KeySpec{"storage.redirect.disable", value},
    KeySpec{"storage.tag", unused},

    KeySpec{"proxy", section},
    KeySpec{"proxy.remoteurl", value},
    KeySpec{"proxy.username", value},
    KeySpec{"proxy.password", value},
    KeySpec{"proxy.ttl", value},
    KeySpec{"proxy.exec", unused, "upstream credentials come from proxy.username/proxy.password"},

    KeySpec{"http", section},
    KeySpec{"http.addr", value},
    KeySpec{"http.net", value},
    KeySpec{"http.headers", header_map},
    KeySpec{"http.tls", section},
    KeySpec{"http.tls.certificate", value},
    KeySpec{"http.tls.key", value},
    KeySpec{"http.tls.clientcas", unsupported, "client certificates are not verified yet"},
    KeySpec{"http.tls.minimumtls", value},
    KeySpec{"http.tls.ciphersuites", unused},
    KeySpec{"http.tls.letsencrypt", unused},
    KeySpec{"http.secret", unused},
    KeySpec{"http.host", unused},
    KeySpec{"http.prefix", unused},
    KeySpec{"http.relativeurls", unused},
    KeySpec{"http.draintimeout", unused},
    KeySpec{"http.debug", unused},
    KeySpec{"http.http2", unused},
    KeySpec{"http.h2c", unused},

    KeySpec{"auth", section},
    KeySpec{"auth.htpasswd", section},
    KeySpec{"auth.htpasswd.realm", value},
    KeySpec{"auth.htpasswd.path", value},
    KeySpec{"auth.token", unsupported, kOnlyHtpasswd},
    KeySpec{"auth.silly", unsupported, kOnlyHtpasswd},
    KeySpec{"middleware", unused},
    KeySpec{"notifications", unused},
    KeySpec{"redis", section},
    KeySpec{"redis.addr", value},
    KeySpec{"redis.password", value},
    KeySpec{"redis.db", value},
    KeySpec{"redis.dialtimeout", value},
    KeySpec{"redis.readtimeout", value},
    KeySpec{"redis.writetimeout", value},
    KeySpec{"redis.username", unused},
    KeySpec{"redis.tls", section},
    KeySpec{"redis.tls.enabled", value},
    KeySpec{"redis.tls.ca", value},
    KeySpec{"redis.tls.insecureskipverify", value},
    KeySpec{"redis.tls.certificate", value},
    KeySpec{"redis.tls.key", value},
    KeySpec{"redis.pool", unused},
    KeySpec{"redis.addrs", value},
    KeySpec{"health", unused},
    KeySpec{"reporting", unused},
    KeySpec{"validation", unused},
    KeySpec{"compatibility", unused},
    KeySpec{"policy", unused},

    KeySpec{"regcache", section},
    KeySpec{"regcache.tag_revalidate", value},
    KeySpec{"regcache.io_threads", value},
    KeySpec{"regcache.upstream_workers", value},
    KeySpec{"regcache.upstream_connect_timeout", value},
    KeySpec{"regcache.upstream_stall_timeout", value},
    KeySpec{"regcache.upstream_retries", value},
    KeySpec{"regcache.request_header_timeout", value},
    KeySpec{"regcache.idle_timeout", value},
    KeySpec{"regcache.max_header_bytes", value},
    KeySpec{"regcache.max_connections", value},
    KeySpec{"regcache.max_size", value},
    KeySpec{"regcache.min_free_space", value},
    KeySpec{"regcache.high_watermark", value},
    KeySpec{"regcache.low_watermark", value},
    KeySpec{"regcache.gc_interval", value},
    KeySpec{"regcache.gc_grace", value},
    KeySpec{"regcache.fetch_lease", value},
    KeySpec{"regcache.node_url", value},
    KeySpec{"regcache.peer_ca", value},
    KeySpec{"regcache.peer_tls_skip_verify", value},
    KeySpec{"regcache.s3_local_cache", section},
    KeySpec{"regcache.s3_local_cache.max_size", value},
    // Serving on the public internet (TLS, proxies, CDN, access control, fair use).
    KeySpec{"regcache.max_url_bytes", value},
    KeySpec{"regcache.max_header_count", value},
    KeySpec{"regcache.trusted_proxies", value},
    KeySpec{"regcache.tls", section},
    KeySpec{"regcache.tls.redirect_addr", value},
    KeySpec{"regcache.tls.reload_interval", value},
    KeySpec{"regcache.cdn", section},
    KeySpec{"regcache.cdn.tag_max_age", value},
    KeySpec{"regcache.cdn.blob_redirect", value},
    KeySpec{"regcache.origin", section},
    KeySpec{"regcache.origin.secret_header", value},
    KeySpec{"regcache.origin.secrets", value},
    KeySpec{"regcache.origin.allow", value},
    KeySpec{"regcache.origin.deny", value},
    KeySpec{"regcache.origin.health_paths", value},
    KeySpec{"regcache.origin.health_allow", value},
    KeySpec{"regcache.auth", section},
    KeySpec{"regcache.auth.anonymous_pull", value},
    KeySpec{"regcache.limits", section},
    KeySpec{"regcache.limits.requests_per_second", value},
    KeySpec{"regcache.limits.request_burst", value},
    KeySpec{"regcache.limits.downloads_per_client", value},
    KeySpec{"regcache.limits.connections_per_client", value},
    KeySpec{"regcache.limits.upstream_fetches", value},
    KeySpec{"regcache.admin_addr", value},
    KeySpec{"regcache.upstreams", structured},
    KeySpec{"regcache.default_upstream", value},
};

}  // namespace

std::span<const KeySpec> known_keys() { return kKeys; }

const KeySpec* find_key(std::string_view path) {
  const auto it = std::find_if(kKeys.begin(), kKeys.end(),
                               [&](const KeySpec& key) { return key.path == path; });
  return it == kKeys.end() ? nullptr : &*it;
}

std::string environment_variable(std::string_view path) {
  constexpr std::string_view kOwnSection = "regcache.";
  std::string name;
  if (path.starts_with(kOwnSection)) {
    // regcache's own keys contain '_', so they get their own flat prefix.
    name = "REGCACHE_" + std::string(path.substr(kOwnSection.size()));
  } else {
    name = "REGISTRY_" + std::string(path);
  }
  std::replace(name.begin(), name.end(), '.', '_');
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

}  // namespace regcache::config
