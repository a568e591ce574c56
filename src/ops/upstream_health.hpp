#pragma once
// UpstreamHealth: each upstream's last known state, learnt from the real
// exchanges regcache has with it (no probing: a readiness probe must not cost
// Docker Hub requests), plus the pull quota it last announced
// (ratelimit-limit / ratelimit-remaining, "100;w=21600").

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upstream/exchange_observer.hpp"

namespace regcache::ops {

enum class UpstreamState {
  unknown,       // no exchange yet
  ok,            // answered (2xx-4xx other than the cases below)
  unauthorized,  // the token endpoint refused the credentials
  rate_limited,  // 429
  failing,       // 5xx
  unreachable,   // no answer: DNS, connect, TLS, egress proxy, timeout
};

const char* to_string(UpstreamState state);

struct PullQuota {
  int64_t limit = -1;      // -1: not announced
  int64_t remaining = -1;  // -1: not announced
  int64_t window_seconds = 0;
  int64_t seen_at = 0;  // unix seconds
};

struct UpstreamStatus {
  std::string name;
  UpstreamState state = UpstreamState::unknown;
  int64_t since = 0;         // unix seconds the state began (0: never)
  int64_t last_success = 0;  // unix seconds of the last exchange that went well
  int64_t last_failure = 0;
  std::string last_error;  // what the last failure was
  PullQuota quota;
};

// "76;w=21600" -> 76 and 21600; nullopt when it does not start with a number.
std::optional<std::pair<int64_t, int64_t>> parse_ratelimit(std::string_view value);

class UpstreamHealth {
 public:
  // Upstreams named here are reported (as unknown) before their first exchange.
  explicit UpstreamHealth(std::vector<std::string> upstreams = {});

  void record(const upstream::ExchangeRecord& record, int64_t now);
  std::vector<UpstreamStatus> snapshot() const;

 private:
  UpstreamStatus& entry(std::string_view name);  // mutex_ held
  mutable std::mutex mutex_;
  std::vector<UpstreamStatus> upstreams_;  // few: a linear search is fine
};

}  // namespace regcache::ops
