#pragma once
// Settings for serving on the public internet: who may connect and how much,
// behind which proxies and CDN, with which credentials. All off by default, so
// a plain registry:2-style config behaves as before.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace regcache::config {

// The `auth.htpasswd` section of registry:2 plus regcache.auth.
struct ClientAuthConfig {
  std::filesystem::path htpasswd;  // auth.htpasswd.path; empty = no client authentication
  std::string realm = "regcache";  // auth.htpasswd.realm (the Basic challenge's realm)
  bool anonymous_pull = false;     // regcache.auth.anonymous_pull: pulls without credentials
};

// regcache.cdn: responses a CDN can cache without path rules.
struct CdnConfig {
  std::chrono::seconds tag_max_age{60};  // Cache-Control max-age of manifests fetched by tag
  std::string blob_redirect;             // base URL blob GETs are redirected to (307); "" = off
};

// regcache.origin: only the CDN (or listed networks) may reach the mirror.
struct OriginConfig {
  std::string secret_header = "X-CDN-Auth";
  std::vector<std::string> secrets;  // any one of them is accepted (rotation); empty = no check
  std::vector<std::string> allow;    // CIDRs; empty = every address
  std::vector<std::string> deny;     // CIDRs, checked before allow
  // Paths answered without the secret, allow/deny, authentication or rate limits
  // (load balancer and Kubernetes probes), reachable from health_allow only.
  std::vector<std::string> health_paths{"/healthz", "/readyz"};
  std::vector<std::string> health_allow;  // CIDRs; empty = every address
};

// regcache.limits: fair use. 0 = no limit.
struct FairUseConfig {
  uint32_t requests_per_second = 0;     // per client, sustained
  uint32_t request_burst = 0;           // per client, on top (0: same as requests_per_second)
  uint32_t downloads_per_client = 0;    // blob GETs in progress per client
  uint32_t connections_per_client = 0;  // open connections per address (trusted proxies exempt)
  uint32_t upstream_fetches = 0;        // manifest GETs and blob downloads upstream at once
};

struct AccessConfig {
  // regcache.trusted_proxies: CIDRs whose X-Forwarded-For/-Proto/-Host are believed.
  std::vector<std::string> trusted_proxies;
  ClientAuthConfig auth;
  CdnConfig cdn;
  OriginConfig origin;
  FairUseConfig limits;
};

}  // namespace regcache::config
