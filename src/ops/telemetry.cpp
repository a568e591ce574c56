#include "ops/telemetry.hpp"

#include <fmt/format.h>

namespace regcache::ops {

Telemetry::Telemetry(std::vector<std::string> upstream_names, MirrorMetrics::Sources sources,
                     EventLog upstream_log, const Clock& clock)
    : health_(std::move(upstream_names)), upstream_log_(std::move(upstream_log)), clock_(clock) {
  sources.upstreams = [this] { return health_.snapshot(); };
  metrics_ = std::make_unique<MirrorMetrics>(registry_, std::move(sources));
}

void Telemetry::on_request(const http::RequestRecord& record) noexcept {
  metrics_->on_request(record);
  if ((record.route == "blob" || record.route == "manifest") && record.status >= 200 &&
      record.status < 300) {
    top_.record(record.repository, record.bytes);
  }
  if (record.status >= 500) {
    errors_.add({clock_.now_seconds(), "client",
                 fmt::format("{} {} -> {}", record.method, record.target, record.status),
                 std::string(record.request_id)});
  }
}

void Telemetry::on_exchange(const upstream::ExchangeRecord& record) noexcept {
  const int64_t now = clock_.now_seconds();
  metrics_->on_exchange(record);
  health_.record(record, now);
  const long status = record.head != nullptr ? record.head->status() : 0;
  if (record.failed || status >= 500 || status == 429) {
    std::string what =
        fmt::format("{} {} -> {}", record.method, record.url,
                    record.failed ? std::string(record.error) : "HTTP " + std::to_string(status));
    errors_.add({now, "upstream " + std::string(record.upstream), std::move(what),
                 std::string(record.request_id)});
  }
  upstream_log_.write(record.failed || status >= 500 ? spdlog::level::warn : spdlog::level::info,
                      "upstream",
                      {{"upstream", record.upstream},
                       {"kind", record.kind},
                       {"method", record.method},
                       {"url", record.url},
                       {"status", static_cast<int64_t>(status)},
                       {"bytes", record.body_bytes},
                       {"duration_ms", static_cast<double>(record.duration.count())},
                       {"error", record.error},
                       {"request_id", record.request_id}});
}

void Telemetry::sample_history() {
  const CacheTotals t = metrics_->totals();
  history_.sample(clock_.now_seconds(), {t.requests, t.bytes_from_cache, t.bytes_from_upstream,
                                         t.upstream_bytes, t.server_errors});
}

}  // namespace regcache::ops
