#pragma once
// Telemetry: everything operators see about a running mirror, fed by the two
// events the lower layers report (one per client request, one per upstream
// exchange): the Prometheus metrics, each upstream's last known state, the
// most pulled repositories, recent errors, the traffic history, and the
// upstream-request log line (with the client's request ID).

#include <memory>

#include "http/request_record.hpp"
#include "metrics/registry.hpp"
#include "ops/mirror_metrics.hpp"
#include "ops/recent_errors.hpp"
#include "ops/top_repositories.hpp"
#include "ops/traffic_history.hpp"
#include "ops/upstream_health.hpp"
#include "upstream/exchange_observer.hpp"
#include "util/clock.hpp"
#include "util/event_log.hpp"

namespace regcache::ops {

class Telemetry final : public http::RequestObserver, public upstream::ExchangeObserver {
 public:
  // `sources.upstreams` is filled in here (from the UpstreamHealth it owns).
  Telemetry(std::vector<std::string> upstream_names, MirrorMetrics::Sources sources,
            EventLog upstream_log, const Clock& clock);

  void on_request(const http::RequestRecord& record) noexcept override;
  void on_exchange(const upstream::ExchangeRecord& record) noexcept override;

  // Called by the application's timer (every TrafficHistory slot).
  void sample_history();

  metrics::Registry& registry() { return registry_; }
  const MirrorMetrics& metrics() const { return *metrics_; }
  const UpstreamHealth& upstreams() const { return health_; }
  const TopRepositories& top_repositories() const { return top_; }
  const RecentErrors& recent_errors() const { return errors_; }
  const TrafficHistory& history() const { return history_; }
  const Clock& clock() const { return clock_; }

 private:
  metrics::Registry registry_;
  UpstreamHealth health_;
  std::unique_ptr<MirrorMetrics> metrics_;
  TopRepositories top_;
  RecentErrors errors_;
  TrafficHistory history_;
  EventLog upstream_log_;
  const Clock& clock_;
};

}  // namespace regcache::ops
