#include "config/redis_config.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "config/duration.hpp"
#include "config/listen_address.hpp"

namespace regcache::config {
namespace {

// Go durations down to milliseconds (registry:2 writes 10ms, 500ms, 1s).
std::chrono::milliseconds millis_of(const Setting& setting) {
  auto parsed = parse_duration(text_of(setting));
  if (!parsed) reject(setting, "invalid duration: " + parsed.error());
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*parsed);
  if (ms.count() <= 0 || ms > std::chrono::minutes(1)) {
    reject(setting, "must be between 1ms and 1m");
  }
  return ms;
}

// A PEM file regcache reads at start-up: it must exist and be readable.
std::string pem_file_of(const Setting& setting, std::string_view what) {
  std::string path = text_of(setting);
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec) ||
      ::access(path.c_str(), R_OK) != 0) {
    reject(setting, fmt::format("not a readable file: expected {}", what));
  }
  return path;
}

// redis.tls.*: registry:2's `enabled`, plus the trust and client certificate.
RedisConfig::Tls read_tls(const Settings& settings, std::vector<std::string>& warnings) {
  RedisConfig::Tls tls;
  if (const Setting* s = settings.find("redis.tls.enabled")) tls.enabled = bool_of(*s);
  if (const Setting* s = settings.find("redis.tls.ca")) {
    tls.ca = pem_file_of(*s,
                         "the PEM certificate(s) of the CA that signed the Redis server's "
                         "certificate");
  }
  if (const Setting* s = settings.find("redis.tls.insecureskipverify")) {
    tls.skip_verify = bool_of(*s);
  }
  const Setting* certificate = settings.find("redis.tls.certificate");
  const Setting* key = settings.find("redis.tls.key");
  if ((certificate == nullptr) != (key == nullptr)) {
    reject(certificate != nullptr ? *certificate : *key,
           "set redis.tls.certificate and redis.tls.key together (the client certificate "
           "regcache presents to Redis, and its private key)");
  }
  if (certificate != nullptr) {
    tls.certificate = pem_file_of(*certificate, "the PEM client certificate (chain) for Redis");
    tls.key = pem_file_of(*key, "the PEM private key of redis.tls.certificate");
  }
  const Setting* skip = settings.find("redis.tls.insecureskipverify");
  if (!tls.enabled) {
    for (const char* unused :
         {"redis.tls.ca", "redis.tls.insecureskipverify", "redis.tls.certificate"}) {
      if (const Setting* s = settings.find(unused)) {
        warnings.push_back(s->where +
                           ": not used without redis.tls.enabled: true (regcache talks to Redis "
                           "in plain TCP)");
      }
    }
  } else if (tls.skip_verify) {
    warnings.push_back(skip->where +
                       ": the Redis server's certificate is not checked: anyone who can "
                       "intercept the connection can read and forge the coordination (a lab "
                       "only)");
  }
  return tls;
}

}  // namespace

std::optional<RedisConfig> read_redis_config(const Settings& settings, bool shared_storage,
                                             std::vector<std::string>& warnings) {
  const Setting* single = settings.find("redis.addr");
  const Setting* seeds = settings.find("redis.addrs");
  if (single == nullptr && seeds == nullptr) return std::nullopt;
  if (single != nullptr && seeds != nullptr) {
    reject(*seeds, "set redis.addr (one Redis) or redis.addrs (Redis Cluster), not both");
  }
  const Setting* addr = single != nullptr ? single : seeds;
  RedisConfig redis;
  if (single != nullptr) {
    auto parsed = parse_listen_address(text_of(*single));
    if (!parsed || parsed->host.empty() || parsed->port == 0) {
      reject(*single, "expected host:port of the Redis server, e.g. redis:6379");
    }
    redis.host = parsed->host;
    redis.port = parsed->port;
  } else {
    for (const auto& item : list_of(*seeds)) {
      auto parsed = parse_listen_address(item);
      if (!parsed || parsed->host.empty() || parsed->port == 0) {
        reject(*seeds,
               "expected a list of host:port of Redis Cluster nodes, e.g. "
               "[redis-1:6379, redis-2:6379]; \"" +
                   item + "\" is not one");
      }
      redis.cluster.emplace_back(parsed->host, parsed->port);
    }
    if (redis.cluster.empty()) reject(*seeds, "lists no Redis Cluster node (host:port)");
  }
  if (const Setting* s = settings.find("redis.password")) redis.password = text_of(*s);
  if (const Setting* s = settings.find("redis.db")) redis.db = unsigned(integer_of(*s, 0, 15));
  if (const Setting* s = settings.find("redis.dialtimeout")) redis.dial_timeout = millis_of(*s);
  if (const Setting* s = settings.find("redis.readtimeout")) redis.io_timeout = millis_of(*s);
  if (const Setting* s = settings.find("redis.writetimeout")) {
    redis.io_timeout = std::max(redis.io_timeout, millis_of(*s));
  }
  if (const Setting* s = settings.find("regcache.fetch_lease")) {
    redis.fetch_lease = duration_of(*s, {.max = std::chrono::minutes(10)});
  }
  if (const Setting* s = settings.find("regcache.node_url")) {
    redis.node_url = text_of(*s);
    while (redis.node_url.ends_with('/')) redis.node_url.pop_back();
    if (!redis.node_url.starts_with("http://") && !redis.node_url.starts_with("https://")) {
      reject(*s, "expected the http:// or https:// URL other nodes reach this one at");
    }
  }
  if (const Setting* s = settings.find("regcache.peer_ca")) {
    redis.peer_ca = text_of(*s);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(redis.peer_ca, ec)) {
      reject(*s,
             "not a readable file: expected the PEM certificate(s) the nodes' TLS "
             "certificates are signed with");
    }
  }
  if (const Setting* s = settings.find("regcache.peer_tls_skip_verify")) {
    redis.peer_skip_verify = bool_of(*s);
  }
  redis.tls = read_tls(settings, warnings);
  if (!shared_storage) {
    warnings.push_back(addr->where +
                       ": not used by regcache (ignored): Redis coordinates nodes that share "
                       "storage.s3; one node coordinates its own downloads");
    return std::nullopt;
  }
  return redis;
}

}  // namespace regcache::config
