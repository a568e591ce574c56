#pragma once
// MirrorMetrics: regcache's Prometheus metrics (names and labels are listed in
// docs/monitoring.md) on a metrics::Registry. Counted from two events, one per
// client request and one per upstream exchange; everything cheaper to read
// than to track (cache size, open connections, quota, disk space) is read
// when scraped, from the Sources.
//
// The request path is lock-free: the child counters for every (route, method,
// status) seen are found through a fixed table of atomic pointers.

#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/request_record.hpp"
#include "metrics/registry.hpp"
#include "ops/lifecycle_status.hpp"
#include "ops/upstream_health.hpp"
#include "upstream/exchange_observer.hpp"

namespace regcache::ops {

// Cumulative cache numbers, read from the same counters /metrics shows.
struct CacheTotals {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t coalesced = 0;
  uint64_t stale = 0;
  uint64_t bytes_from_cache = 0;     // served to clients from the cache (hit, stale)
  uint64_t bytes_from_upstream = 0;  // served to clients while fetched (miss, coalesced)
  uint64_t upstream_bytes = 0;       // received from upstreams (all kinds)
  uint64_t requests = 0;             // client requests answered
  uint64_t server_errors = 0;        // 5xx answers
};

class MirrorMetrics {
 public:
  // Read at scrape time; each may be empty.
  struct Sources {
    std::function<uint64_t()> cache_bytes;
    std::function<uint64_t()> cache_objects;
    std::function<uint64_t()> downloads_in_flight;
    std::function<uint64_t()> open_connections;
    std::function<std::vector<UpstreamStatus>()> upstreams;
    std::filesystem::path storage_root;  // for the filesystem's size and free space
    LifecycleStatusSource lifecycle;
  };

  MirrorMetrics(metrics::Registry& registry, Sources sources);

  void on_request(const http::RequestRecord& record) noexcept;
  void on_exchange(const upstream::ExchangeRecord& record) noexcept;

  CacheTotals totals() const;
  const Sources& sources() const { return sources_; }

  static constexpr std::array<const char*, 11> kRoutes{"base",    "manifest", "blob",  "tags",
                                                       "catalog", "upload",   "other", "metrics",
                                                       "healthz", "readyz",   "status"};
  static constexpr std::array<const char*, 8> kMethods{"GET",   "HEAD",   "POST",    "PUT",
                                                       "PATCH", "DELETE", "OPTIONS", "other"};
  static constexpr std::array<unsigned, 24> kStatuses{0,   200, 201, 202, 204, 206, 301, 302,
                                                      304, 307, 400, 401, 403, 404, 405, 408,
                                                      413, 416, 429, 431, 500, 502, 503, 504};
  static constexpr std::array<const char*, 4> kOutcomes{"hit", "miss", "coalesced", "stale"};

 private:
  void register_collectors();

  Sources sources_;
  metrics::Registry& registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& durations_;
  metrics::Family<metrics::Counter>& response_bytes_;
  metrics::Family<metrics::Counter>& cache_requests_;
  metrics::Family<metrics::Counter>& served_bytes_;
  metrics::Family<metrics::Counter>& upstream_requests_;
  metrics::Family<metrics::Histogram>& upstream_durations_;
  metrics::Family<metrics::Counter>& upstream_bytes_;

  std::array<std::atomic<metrics::Counter*>, kRoutes.size() * kMethods.size() * kStatuses.size()>
      request_slots_{};
  std::array<metrics::Histogram*, kRoutes.size()> duration_by_route_{};
  std::array<metrics::Counter*, kRoutes.size()> bytes_by_route_{};
  // [0]: blob, [1]: manifest; by outcome (kOutcomes order)
  std::array<std::array<metrics::Counter*, kOutcomes.size()>, 2> cache_by_outcome_{};
  metrics::Counter* served_from_cache_ = nullptr;
  metrics::Counter* served_from_upstream_ = nullptr;
  metrics::Counter* server_errors_ = nullptr;  // regcache_http_server_errors_total
  std::atomic<uint64_t> upstream_bytes_total_{0};
};

}  // namespace regcache::ops
