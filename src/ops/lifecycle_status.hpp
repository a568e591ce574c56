#pragma once
// LifecycleStatus: what the cache-lifecycle component (disk budget, eviction,
// garbage collection) tells operators. This is the plug-in point for it: the
// application passes a LifecycleStatusSource to Telemetry; until one is
// plugged in, the budget/eviction/GC metrics are absent and caching is never
// reported as paused.
//   metrics: regcache_cache_budget_bytes, regcache_cache_evictions_total,
//            regcache_gc_runs_total, regcache_caching_paused
//   /readyz: "caching" check (paused is reported, the mirror stays ready: it
//            still serves what it has)
//   status page: disk use against the budget

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace regcache::ops {

struct LifecycleStatus {
  std::optional<uint64_t> budget_bytes;  // the configured cache size limit, if any
  uint64_t evictions = 0;                // objects removed to stay within the budget, ever
  uint64_t gc_runs = 0;                  // garbage-collection passes completed, ever
  std::optional<bool> collector;         // shared bucket with Redis: this node collects for it
  bool caching_paused = false;           // e.g. disk full: new content is not stored
  std::string paused_reason;
};

// Called at scrape and page time, from any thread: must be cheap and thread-safe.
using LifecycleStatusSource = std::function<LifecycleStatus()>;

}  // namespace regcache::ops
