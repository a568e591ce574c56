#pragma once
#include <string>

namespace regcache::http {

// Facts about one request that the handler adds to its access-log line.
struct AccessNote {
  const char* cache = "none";  // hit, miss, coalesced, stale, none
  // Which endpoint answered, for metrics (a small fixed set: base, manifest,
  // blob, tags, catalog, upload, metrics, healthz, readyz, status, other).
  const char* route = "other";
  std::string repository;  // manifest and blob requests: the upstream's repository name
  std::string user;        // the client's htpasswd user, if it logged in (never a password)
};

}  // namespace regcache::http
