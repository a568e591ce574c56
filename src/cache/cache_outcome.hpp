#pragma once
// How a request was answered, for the access log and metrics.

namespace regcache::cache {

enum class CacheOutcome {
  none,       // not a cacheable request (or an error before lookup)
  hit,        // served from the cache
  miss,       // this request started the upstream fetch
  coalesced,  // joined a fetch another request started
  stale,      // upstream failed; served the cached copy
  uncached,   // caching paused (storage full): streamed from upstream, not stored
};

inline const char* to_string(CacheOutcome o) {
  switch (o) {
    case CacheOutcome::hit: return "hit";
    case CacheOutcome::miss: return "miss";
    case CacheOutcome::coalesced: return "coalesced";
    case CacheOutcome::stale: return "stale";
    case CacheOutcome::uncached: return "uncached";
    case CacheOutcome::none: break;
  }
  return "none";
}

}  // namespace regcache::cache
