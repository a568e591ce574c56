#include "ops/upstream_health.hpp"

#include <charconv>

namespace regcache::ops {

const char* to_string(UpstreamState state) {
  switch (state) {
    case UpstreamState::unknown:
      return "unknown";
    case UpstreamState::ok:
      return "ok";
    case UpstreamState::unauthorized:
      return "unauthorized";
    case UpstreamState::rate_limited:
      return "rate_limited";
    case UpstreamState::failing:
      return "failing";
    case UpstreamState::unreachable:
      return "unreachable";
  }
  return "unknown";
}

std::optional<std::pair<int64_t, int64_t>> parse_ratelimit(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  int64_t count = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), count);
  if (ec != std::errc() || end == value.data()) return std::nullopt;
  int64_t window = 0;
  std::string_view rest(end, value.data() + value.size() - end);
  if (auto w = rest.find("w="); w != std::string_view::npos) {
    rest.remove_prefix(w + 2);
    std::from_chars(rest.data(), rest.data() + rest.size(), window);
  }
  return std::make_pair(count, window);
}

UpstreamHealth::UpstreamHealth(std::vector<std::string> upstreams) {
  for (auto& name : upstreams) upstreams_.push_back(UpstreamStatus{std::move(name)});
}

UpstreamStatus& UpstreamHealth::entry(std::string_view name) {
  for (auto& status : upstreams_) {
    if (status.name == name) return status;
  }
  return upstreams_.emplace_back(UpstreamStatus{std::string(name)});
}

void UpstreamHealth::record(const upstream::ExchangeRecord& record, int64_t now) {
  const long status = record.head != nullptr ? record.head->status() : 0;
  std::optional<UpstreamState> state;
  std::string error;
  if (record.failed || status == 0) {
    state = UpstreamState::unreachable;
    error = std::string(record.error.empty() ? "no answer" : record.error);
  } else if (status >= 500) {
    state = UpstreamState::failing;
    error = "HTTP " + std::to_string(status);
  } else if (status == 429) {
    state = UpstreamState::rate_limited;
    error = "HTTP 429 (pull rate limit)";
  } else if (record.kind == "token" && (status == 401 || status == 403)) {
    state = UpstreamState::unauthorized;
    error = "token endpoint refused the credentials (HTTP " + std::to_string(status) + ")";
  } else if (status != 401) {
    // A registry's 401 is the normal start of the token flow: it says nothing.
    state = UpstreamState::ok;
  }

  std::optional<std::pair<int64_t, int64_t>> limit, remaining;
  if (record.head != nullptr) {
    if (auto v = record.head->get("ratelimit-limit")) limit = parse_ratelimit(*v);
    if (auto v = record.head->get("ratelimit-remaining")) remaining = parse_ratelimit(*v);
  }

  std::lock_guard lock(mutex_);
  UpstreamStatus& s = entry(record.upstream);
  if (state) {
    if (*state != s.state) s.since = now;
    s.state = *state;
    if (*state == UpstreamState::ok) {
      s.last_success = now;
    } else {
      s.last_failure = now;
      s.last_error = std::move(error);
    }
  }
  if (limit || remaining) {
    if (limit) s.quota.limit = limit->first;
    if (remaining) s.quota.remaining = remaining->first;
    const int64_t window = limit ? limit->second : remaining->second;
    if (window > 0) s.quota.window_seconds = window;
    s.quota.seen_at = now;
  }
}

std::vector<UpstreamStatus> UpstreamHealth::snapshot() const {
  std::lock_guard lock(mutex_);
  return upstreams_;
}

}  // namespace regcache::ops
