#include "ops/mirror_metrics.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "build_info.hpp"

namespace regcache::ops {
namespace {

template <size_t N>
size_t index_of(const std::array<const char*, N>& names, std::string_view value, size_t fallback) {
  for (size_t i = 0; i < N; ++i) {
    if (value == names[i]) return i;
  }
  return fallback;
}

std::optional<size_t> status_index(unsigned status) {
  for (size_t i = 0; i < MirrorMetrics::kStatuses.size(); ++i) {
    if (MirrorMetrics::kStatuses[i] == status) return i;
  }
  return std::nullopt;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// /proc/self/stat fields 14 (utime), 15 (stime) and 22 (starttime), in clock ticks.
struct ProcessTimes {
  double cpu_seconds = 0;
  double start_time = 0;  // unix seconds
};

std::optional<ProcessTimes> process_times() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  // f[0] is field 3 (state)
  if (f.size() < 20) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessTimes out;
  out.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  std::ifstream uptime_file("/proc/uptime");
  double uptime = 0;
  uptime_file >> uptime;
  out.start_time = unix_now() - uptime + std::stod(f[19]) / ticks;
  return out;
}

std::optional<double> resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  double size = 0, resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::optional<double> open_fds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  if (ec) return std::nullopt;
  return n;
}

}  // namespace

MirrorMetrics::MirrorMetrics(metrics::Registry& registry, Sources sources)
    : sources_(std::move(sources)),
      registry_(registry),
      requests_(registry.counter("regcache_http_requests_total",
                                 "Client requests answered, by method, route and status.",
                                 {"method", "route", "status"})),
      durations_(
          registry.histogram("regcache_http_request_duration_seconds",
                             "Time from a request's head to the end of its answer, by route.",
                             {"route"}, metrics::latency_buckets())),
      response_bytes_(registry.counter("regcache_http_response_bytes_total",
                                       "Body bytes sent to clients, by route.", {"route"})),
      cache_requests_(registry.counter(
          "regcache_cache_requests_total",
          "Manifest and blob requests by how the cache answered: hit, miss (this request "
          "started the upstream fetch), coalesced (joined a fetch in progress), stale "
          "(upstream failed, cached copy served).",
          {"kind", "result"})),
      served_bytes_(registry.counter(
          "regcache_served_bytes_total",
          "Manifest and blob bytes sent to clients, by source: cache (hit, stale) or upstream "
          "(miss, coalesced: streamed while being fetched).",
          {"source"})),
      upstream_requests_(registry.counter(
          "regcache_upstream_requests_total",
          "HTTP exchanges with upstreams (registry and token endpoint), by upstream, kind "
          "(manifest, blob, tags, token, ping) and status (\"error\" when no answer came).",
          {"upstream", "kind", "status"})),
      upstream_durations_(registry.histogram(
          "regcache_upstream_request_duration_seconds",
          "Duration of upstream exchanges (whole transfer), by upstream and kind.",
          {"upstream", "kind"}, metrics::latency_buckets())),
      upstream_bytes_(registry.counter("regcache_upstream_received_bytes_total",
                                       "Body bytes received from upstreams, by upstream and kind.",
                                       {"upstream", "kind"})) {
  for (size_t r = 0; r < kRoutes.size(); ++r) {
    duration_by_route_[r] = &durations_.labels({kRoutes[r]});
    bytes_by_route_[r] = &response_bytes_.labels({kRoutes[r]});
  }
  for (size_t o = 0; o < kOutcomes.size(); ++o) {
    cache_by_outcome_[0][o] = &cache_requests_.labels({"blob", kOutcomes[o]});
    cache_by_outcome_[1][o] = &cache_requests_.labels({"manifest", kOutcomes[o]});
  }
  served_from_cache_ = &served_bytes_.labels({"cache"});
  served_from_upstream_ = &served_bytes_.labels({"upstream"});
  server_errors_ = &registry
                        .counter("regcache_http_server_errors_total",
                                 "Client requests answered with a 5xx status.")
                        .labels({});
  register_collectors();
}

void MirrorMetrics::on_request(const http::RequestRecord& record) noexcept {
  const size_t route = index_of(kRoutes, record.route, 6 /* other */);
  const size_t method = index_of(kMethods, record.method, kMethods.size() - 1);
  metrics::Counter* counter = nullptr;
  if (auto status = status_index(record.status)) {
    auto& slot = request_slots_[(route * kMethods.size() + method) * kStatuses.size() + *status];
    counter = slot.load(std::memory_order_acquire);
    if (counter == nullptr) {
      counter =
          &requests_.labels({kMethods[method], kRoutes[route], std::to_string(record.status)});
      slot.store(counter, std::memory_order_release);
    }
  } else {
    counter = &requests_.labels({kMethods[method], kRoutes[route], std::to_string(record.status)});
  }
  counter->inc();
  duration_by_route_[route]->observe(record.duration.count());
  bytes_by_route_[route]->inc(record.bytes);
  if (record.status >= 500) server_errors_->inc();

  const bool blob = route == 2, manifest = route == 1;
  if (!blob && !manifest) return;
  const size_t outcome = index_of(kOutcomes, record.cache, kOutcomes.size());
  if (outcome == kOutcomes.size()) return;  // none: an error before the cache answered
  cache_by_outcome_[manifest ? 1 : 0][outcome]->inc();
  if (outcome == 0 || outcome == 3) {
    served_from_cache_->inc(record.bytes);
  } else {
    served_from_upstream_->inc(record.bytes);
  }
}

void MirrorMetrics::on_exchange(const upstream::ExchangeRecord& record) noexcept {
  const std::string upstream(record.upstream), kind(record.kind);
  const long status = record.head != nullptr ? record.head->status() : 0;
  const std::string status_label = record.failed && status == 0 ? "error" : std::to_string(status);
  upstream_requests_.labels({upstream, kind, status_label}).inc();
  upstream_durations_.labels({upstream, kind})
      .observe(std::chrono::duration<double>(record.duration).count());
  upstream_bytes_.labels({upstream, kind}).inc(record.body_bytes);
  upstream_bytes_total_.fetch_add(record.body_bytes, std::memory_order_relaxed);
}

CacheTotals MirrorMetrics::totals() const {
  CacheTotals t;
  for (const auto& kind : cache_by_outcome_) {
    t.hits += kind[0]->value();
    t.misses += kind[1]->value();
    t.coalesced += kind[2]->value();
    t.stale += kind[3]->value();
  }
  t.bytes_from_cache = served_from_cache_->value();
  t.bytes_from_upstream = served_from_upstream_->value();
  t.upstream_bytes = upstream_bytes_total_.load(std::memory_order_relaxed);
  requests_.for_each(
      [&](const metrics::LabelValues&, const metrics::Counter& c) { t.requests += c.value(); });
  t.server_errors = server_errors_->value();
  return t;
}

void MirrorMetrics::register_collectors() {
  using metrics::Sample;
  using metrics::Type;
  auto single = [](const std::function<uint64_t()>& read) {
    return [read](std::vector<Sample>& out) {
      if (read) out.push_back({{}, static_cast<double>(read())});
    };
  };
  registry_.add_collector("regcache_cache_size_bytes",
                          "Bytes of verified content in the cache (sum of object sizes).",
                          Type::gauge, {}, single(sources_.cache_bytes));
  registry_.add_collector("regcache_cache_objects", "Blobs and manifests in the cache.",
                          Type::gauge, {}, single(sources_.cache_objects));
  registry_.add_collector("regcache_downloads_in_flight",
                          "Blob downloads from upstreams in progress.", Type::gauge, {},
                          single(sources_.downloads_in_flight));
  registry_.add_collector("regcache_http_open_connections", "Client connections open now.",
                          Type::gauge, {}, single(sources_.open_connections));

  // Lifecycle (disk budget, eviction, GC): only when a source is plugged in.
  auto lifecycle = sources_.lifecycle;
  registry_.add_collector("regcache_cache_budget_bytes",
                          "The configured cache size limit (absent when there is none).",
                          Type::gauge, {}, [lifecycle](std::vector<Sample>& out) {
                            if (!lifecycle) return;
                            auto s = lifecycle();
                            if (s.budget_bytes) out.push_back({{}, double(*s.budget_bytes)});
                          });
  registry_.add_collector("regcache_cache_evictions_total",
                          "Objects removed to keep the cache within its budget or TTL.",
                          Type::counter, {}, [lifecycle](std::vector<Sample>& out) {
                            if (lifecycle) out.push_back({{}, double(lifecycle().evictions)});
                          });
  registry_.add_collector("regcache_gc_runs_total", "Garbage-collection passes completed.",
                          Type::counter, {}, [lifecycle](std::vector<Sample>& out) {
                            if (lifecycle) out.push_back({{}, double(lifecycle().gc_runs)});
                          });
  registry_.add_collector("regcache_lifecycle_collector",
                          "1 while this node runs TTL and max_size over the shared bucket (absent "
                          "when the storage is not shared through Redis).",
                          Type::gauge, {}, [lifecycle](std::vector<Sample>& out) {
                            if (!lifecycle) return;
                            auto s = lifecycle();
                            if (s.collector) out.push_back({{}, *s.collector ? 1.0 : 0.0});
                          });
  registry_.add_collector("regcache_caching_paused",
                          "1 while new content is not being stored (e.g. disk full).", Type::gauge,
                          {}, [lifecycle](std::vector<Sample>& out) {
                            const bool paused = lifecycle && lifecycle().caching_paused;
                            out.push_back({{}, paused ? 1.0 : 0.0});
                          });

  const auto root = sources_.storage_root;
  registry_.add_collector("regcache_storage_filesystem_size_bytes",
                          "Size of the filesystem that holds the cache.", Type::gauge, {},
                          [root](std::vector<Sample>& out) {
                            struct statvfs fs {};
                            if (!root.empty() && ::statvfs(root.c_str(), &fs) == 0) {
                              out.push_back({{}, double(fs.f_blocks) * double(fs.f_frsize)});
                            }
                          });
  registry_.add_collector("regcache_storage_filesystem_free_bytes",
                          "Space left for regcache on the filesystem that holds the cache.",
                          Type::gauge, {}, [root](std::vector<Sample>& out) {
                            struct statvfs fs {};
                            if (!root.empty() && ::statvfs(root.c_str(), &fs) == 0) {
                              out.push_back({{}, double(fs.f_bavail) * double(fs.f_frsize)});
                            }
                          });

  auto upstreams = sources_.upstreams;
  auto per_upstream = [upstreams](auto value) {
    return [upstreams, value](std::vector<Sample>& out) {
      if (!upstreams) return;
      for (const auto& u : upstreams()) {
        if (auto v = value(u)) out.push_back({{u.name}, *v});
      }
    };
  };
  registry_.add_collector(
      "regcache_upstream_up",
      "1 when the upstream's last exchange went well, 0 when it failed (unreachable, 5xx, "
      "429, credentials refused); absent before the first exchange.",
      Type::gauge, {"upstream"}, per_upstream([](const UpstreamStatus& u) -> std::optional<double> {
        if (u.state == UpstreamState::unknown) return std::nullopt;
        return u.state == UpstreamState::ok ? 1.0 : 0.0;
      }));
  registry_.add_collector("regcache_upstream_last_success_timestamp_seconds",
                          "Unix time of the last exchange with the upstream that went well.",
                          Type::gauge, {"upstream"},
                          per_upstream([](const UpstreamStatus& u) -> std::optional<double> {
                            if (u.last_success == 0) return std::nullopt;
                            return double(u.last_success);
                          }));
  registry_.add_collector(
      "regcache_upstream_quota_limit",
      "Pull quota of the upstream's current window (Docker Hub ratelimit-limit), as last seen.",
      Type::gauge, {"upstream"}, per_upstream([](const UpstreamStatus& u) -> std::optional<double> {
        if (u.quota.limit < 0) return std::nullopt;
        return double(u.quota.limit);
      }));
  registry_.add_collector(
      "regcache_upstream_quota_remaining",
      "Pulls left in the upstream's current window (Docker Hub ratelimit-remaining), as last "
      "seen.",
      Type::gauge, {"upstream"}, per_upstream([](const UpstreamStatus& u) -> std::optional<double> {
        if (u.quota.remaining < 0) return std::nullopt;
        return double(u.quota.remaining);
      }));
  registry_.add_collector("regcache_upstream_quota_window_seconds",
                          "Length of the upstream's quota window (the w= of ratelimit-limit).",
                          Type::gauge, {"upstream"},
                          per_upstream([](const UpstreamStatus& u) -> std::optional<double> {
                            if (u.quota.window_seconds <= 0) return std::nullopt;
                            return double(u.quota.window_seconds);
                          }));

  registry_.add_collector(
      "regcache_build_info", "Always 1; the labels say which build is running.", Type::gauge,
      {"version", "commit", "built"}, [](std::vector<Sample>& out) {
        out.push_back({{build_info::kVersion, build_info::kCommit, build_info::kDate}, 1.0});
      });
  registry_.add_collector("process_start_time_seconds",
                          "Start time of the process since the Unix epoch in seconds.", Type::gauge,
                          {}, [](std::vector<Sample>& out) {
                            if (auto t = process_times()) out.push_back({{}, t->start_time});
                          });
  registry_.add_collector("process_cpu_seconds_total",
                          "Total user and system CPU time spent in seconds.", Type::counter, {},
                          [](std::vector<Sample>& out) {
                            if (auto t = process_times()) out.push_back({{}, t->cpu_seconds});
                          });
  registry_.add_collector("process_resident_memory_bytes", "Resident memory size in bytes.",
                          Type::gauge, {}, [](std::vector<Sample>& out) {
                            if (auto r = resident_bytes()) out.push_back({{}, *r});
                          });
  registry_.add_collector("process_open_fds", "Number of open file descriptors.", Type::gauge, {},
                          [](std::vector<Sample>& out) {
                            if (auto n = open_fds()) out.push_back({{}, *n});
                          });
}

}  // namespace regcache::ops
