#pragma once
// Readiness: what /readyz reports. Ready means this process can serve from
// its cache: the storage takes writes (a probe file is written, synced and
// removed at most once a second) and the index answers. Each upstream's last
// known state and the lifecycle's caching state are reported but do not make
// the mirror unready: it still serves what it has when they fail, and taking
// it out of a load balancer then would only make things worse.

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "index/cache_index.hpp"
#include "ops/lifecycle_status.hpp"
#include "ops/upstream_health.hpp"

namespace regcache::ops {

struct ReadinessCheck {
  std::string name;  // storage, index, caching
  bool ok = true;
  std::string detail;
};

struct ReadinessReport {
  bool ready = true;
  std::vector<ReadinessCheck> checks;
  std::vector<UpstreamStatus> upstreams;
};

class Readiness {
 public:
  // `probe_dir`: a directory on the cache's storage where a probe file may be written.
  Readiness(std::filesystem::path probe_dir, const index::CacheIndex& index,
            const UpstreamHealth& upstreams, LifecycleStatusSource lifecycle = {});

  ReadinessReport report();
  // Before serving: one more check, evaluated on each report (e.g. the object store).
  void add_check(std::function<ReadinessCheck()> check) { extra_.push_back(std::move(check)); }

 private:
  ReadinessCheck probe_storage();

  const std::filesystem::path probe_dir_;
  const index::CacheIndex& index_;
  const UpstreamHealth& upstreams_;
  LifecycleStatusSource lifecycle_;
  std::vector<std::function<ReadinessCheck()>> extra_;
  std::mutex mutex_;  // guards the cached probe
  std::chrono::steady_clock::time_point probed_at_{};
  ReadinessCheck last_probe_;
};

// The report as JSON (the body of /readyz).
std::string to_json(const ReadinessReport& report);

}  // namespace regcache::ops
