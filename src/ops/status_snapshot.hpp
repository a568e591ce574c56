#pragma once
// StatusSnapshot: the numbers of the status page and /status.json, read from
// the same counters and sources as /metrics so the two always agree.

#include <optional>
#include <string>
#include <vector>

#include "ops/lifecycle_status.hpp"
#include "ops/mirror_metrics.hpp"
#include "ops/recent_errors.hpp"
#include "ops/top_repositories.hpp"
#include "ops/traffic_history.hpp"
#include "ops/upstream_health.hpp"

namespace regcache::ops {

class Telemetry;

struct StatusSnapshot {
  int64_t now = 0;
  CacheTotals totals;
  // Share of manifest and blob requests answered from the cache (hit or stale);
  // nullopt before the first one.
  std::optional<double> hit_ratio;
  uint64_t cache_bytes = 0;
  uint64_t cache_objects = 0;
  uint64_t downloads_in_flight = 0;
  std::optional<uint64_t> filesystem_size;
  std::optional<uint64_t> filesystem_free;
  std::optional<LifecycleStatus> lifecycle;
  std::vector<UpstreamStatus> upstreams;
  std::vector<RepositoryTraffic> top_repositories;
  std::vector<ErrorEntry> recent_errors;
  std::vector<TrafficSlot> history;
};

StatusSnapshot take_status(const Telemetry& telemetry);
std::string to_json(const StatusSnapshot& status);

}  // namespace regcache::ops
