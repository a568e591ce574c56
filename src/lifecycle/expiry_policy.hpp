#pragma once
// ExpiryPolicy: content not used for its TTL is removed. The TTL of an object
// is its upstream's `ttl` (proxy.ttl, default 168h); content several upstreams
// share keeps the longest one, and 0 (never expire) wins. Use refreshes it:
// the clock runs from the last access, not from the first fetch.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "index/cache_index.hpp"

namespace regcache::lifecycle {

class ExpiryPolicy {
 public:
  // `ttls`: upstream name -> ttl; `fallback` for content linked to no known upstream.
  ExpiryPolicy(std::map<std::string, config::Seconds> ttls, config::Seconds fallback)
      : ttls_(std::move(ttls)), fallback_(fallback) {}
  // Every configured upstream's ttl; content of an upstream no longer
  // configured gets the default upstream's (or the first one's).
  static ExpiryPolicy from_config(const config::Config& config);

  // Objects of `snapshot` whose last use is older than their TTL at `now`,
  // each with the cutoff its removal must re-check (last_access < cutoff).
  struct Expired {
    index::ObjectRecord object;
    int64_t cutoff = 0;
  };
  std::vector<Expired> expired(const index::IndexSnapshot& snapshot, int64_t now) const;
  // The shortest TTL in use (how often to look), or 0 when nothing expires.
  config::Seconds shortest() const;
  // The TTL (seconds) of each object of `snapshot` that links tie to an
  // upstream, by digest hex; others get longest() (a shared bucket holds
  // content this node's index has never seen).
  std::unordered_map<std::string, int64_t> ttl_by_digest(
      const index::IndexSnapshot& snapshot) const;
  // The longest TTL in use; 0 when some content never expires.
  config::Seconds longest() const;

 private:
  std::map<std::string, config::Seconds> ttls_;
  config::Seconds fallback_;
};

}  // namespace regcache::lifecycle
