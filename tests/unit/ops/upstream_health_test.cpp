#include "ops/upstream_health.hpp"

#include <gtest/gtest.h>

namespace regcache::ops {
namespace {

upstream::ResponseHead head(const std::string& status_line, std::vector<std::string> fields = {}) {
  upstream::ResponseHead h;
  h.add_line(status_line + "\r\n");
  for (const auto& f : fields) h.add_line(f + "\r\n");
  h.add_line("\r\n");
  return h;
}

TEST(ParseRatelimit, ReadsCountAndWindow) {
  EXPECT_EQ(parse_ratelimit("76;w=21600"), std::make_pair(int64_t{76}, int64_t{21600}));
  EXPECT_EQ(parse_ratelimit("100"), std::make_pair(int64_t{100}, int64_t{0}));
  EXPECT_FALSE(parse_ratelimit("many"));
}

TEST(UpstreamHealth, FollowsTheLastExchangeAndQuota) {
  UpstreamHealth health({"docker.io"});
  EXPECT_EQ(health.snapshot().at(0).state, UpstreamState::unknown);

  auto challenge = head("HTTP/1.1 401 Unauthorized");
  health.record({"docker.io", "manifest", "HEAD", "u", "", &challenge}, 10);
  EXPECT_EQ(health.snapshot().at(0).state, UpstreamState::unknown)
      << "a 401 challenge says nothing";

  auto ok =
      head("HTTP/1.1 200 OK", {"ratelimit-limit: 100;w=21600", "ratelimit-remaining: 76;w=21600"});
  health.record({"docker.io", "manifest", "HEAD", "u", "", &ok}, 11);
  auto s = health.snapshot().at(0);
  EXPECT_EQ(s.state, UpstreamState::ok);
  EXPECT_EQ(s.last_success, 11);
  EXPECT_EQ(s.quota.limit, 100);
  EXPECT_EQ(s.quota.remaining, 76);
  EXPECT_EQ(s.quota.window_seconds, 21600);

  auto refused = head("HTTP/1.1 401 Unauthorized");
  health.record({"docker.io", "token", "GET", "u", "", &refused}, 12);
  EXPECT_EQ(health.snapshot().at(0).state, UpstreamState::unauthorized);

  upstream::ResponseHead nothing;
  health.record({"docker.io", "blob", "GET", "u", "", &nothing, true, "Connection refused"}, 13);
  s = health.snapshot().at(0);
  EXPECT_EQ(s.state, UpstreamState::unreachable);
  EXPECT_EQ(s.last_error, "Connection refused");
  EXPECT_EQ(s.since, 13);
  EXPECT_EQ(s.last_success, 11);

  auto limited = head("HTTP/1.1 429 Too Many Requests", {"ratelimit-remaining: 0;w=21600"});
  health.record({"docker.io", "manifest", "GET", "u", "", &limited}, 14);
  s = health.snapshot().at(0);
  EXPECT_EQ(s.state, UpstreamState::rate_limited);
  EXPECT_EQ(s.quota.remaining, 0);
}

}  // namespace
}  // namespace regcache::ops
