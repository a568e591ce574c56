#include "ops/mirror_metrics.hpp"

#include <gtest/gtest.h>

namespace regcache::ops {
namespace {

http::RequestRecord request(std::string_view method, std::string_view route, unsigned status,
                            std::string_view cache, uint64_t bytes) {
  http::RequestRecord r;
  r.method = method;
  r.route = route;
  r.status = status;
  r.cache = cache;
  r.bytes = bytes;
  r.duration = std::chrono::milliseconds(3);
  return r;
}

bool contains(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(MirrorMetrics, CountsRequestsCacheOutcomesAndBytes) {
  metrics::Registry registry;
  MirrorMetrics m(registry, {});
  m.on_request(request("GET", "blob", 200, "miss", 1000));
  m.on_request(request("GET", "blob", 200, "hit", 1000));
  m.on_request(request("GET", "blob", 200, "hit", 1000));
  m.on_request(request("HEAD", "manifest", 200, "stale", 0));
  m.on_request(request("GET", "manifest", 200, "coalesced", 500));
  m.on_request(request("BREW", "base", 418, "none", 7));  // unknown method and status
  m.on_request(request("GET", "blob", 503, "none", 90));

  const auto text = registry.expose();
  EXPECT_TRUE(
      contains(text, R"(regcache_http_requests_total{method="GET",route="blob",status="200"} 3)"));
  EXPECT_TRUE(contains(
      text, R"(regcache_http_requests_total{method="other",route="base",status="418"} 1)"));
  EXPECT_TRUE(contains(text, R"(regcache_cache_requests_total{kind="blob",result="hit"} 2)"));
  EXPECT_TRUE(contains(text, R"(regcache_cache_requests_total{kind="blob",result="miss"} 1)"));
  EXPECT_TRUE(contains(text, R"(regcache_cache_requests_total{kind="manifest",result="stale"} 1)"));
  EXPECT_TRUE(contains(text, R"(regcache_served_bytes_total{source="cache"} 2000)"));
  EXPECT_TRUE(contains(text, R"(regcache_served_bytes_total{source="upstream"} 1500)"));
  EXPECT_TRUE(contains(text, R"(regcache_http_request_duration_seconds_count{route="blob"} 4)"));
  EXPECT_TRUE(contains(text, R"(regcache_http_server_errors_total 1)"));

  auto totals = m.totals();
  EXPECT_EQ(totals.hits, 2u);
  EXPECT_EQ(totals.misses, 1u);
  EXPECT_EQ(totals.coalesced, 1u);
  EXPECT_EQ(totals.stale, 1u);
  EXPECT_EQ(totals.requests, 7u);
  EXPECT_EQ(totals.server_errors, 1u);
}

TEST(MirrorMetrics, CountsUpstreamExchangesAndReadsSources) {
  metrics::Registry registry;
  MirrorMetrics::Sources sources;
  sources.cache_bytes = [] { return uint64_t{12345}; };
  sources.upstreams = [] {
    UpstreamStatus s{"docker.io"};
    s.state = UpstreamState::ok;
    s.quota.limit = 100;
    s.quota.remaining = 76;
    return std::vector<UpstreamStatus>{s};
  };
  sources.lifecycle = [] {
    LifecycleStatus l;
    l.budget_bytes = 1000;
    l.gc_runs = 3;
    return l;
  };
  MirrorMetrics m(registry, sources);
  upstream::ResponseHead head;
  head.add_line("HTTP/1.1 200 OK\r\n");
  head.add_line("\r\n");
  upstream::ExchangeRecord ok{"docker.io", "blob", "GET", "https://x/v2/a/blobs/b", "id", &head};
  ok.body_bytes = 4096;
  m.on_exchange(ok);
  upstream::ResponseHead none;
  upstream::ExchangeRecord failed{"docker.io", "manifest", "HEAD", "u", "", &none, true, "refused"};
  m.on_exchange(failed);

  const auto text = registry.expose();
  EXPECT_TRUE(contains(
      text,
      R"(regcache_upstream_requests_total{upstream="docker.io",kind="blob",status="200"} 1)"));
  EXPECT_TRUE(contains(
      text,
      R"(regcache_upstream_requests_total{upstream="docker.io",kind="manifest",status="error"} 1)"));
  EXPECT_TRUE(contains(
      text, R"(regcache_upstream_received_bytes_total{upstream="docker.io",kind="blob"} 4096)"));
  EXPECT_TRUE(contains(text, "regcache_cache_size_bytes 12345"));
  EXPECT_TRUE(contains(text, R"(regcache_upstream_quota_remaining{upstream="docker.io"} 76)"));
  EXPECT_TRUE(contains(text, R"(regcache_upstream_quota_limit{upstream="docker.io"} 100)"));
  EXPECT_TRUE(contains(text, R"(regcache_upstream_up{upstream="docker.io"} 1)"));
  EXPECT_TRUE(contains(text, "regcache_cache_budget_bytes 1000"));
  EXPECT_TRUE(contains(text, "regcache_gc_runs_total 3"));
  EXPECT_TRUE(contains(text, "regcache_caching_paused 0"));
  EXPECT_NE(text.find("regcache_build_info{version="), std::string::npos);
  EXPECT_EQ(m.totals().upstream_bytes, 4096u);
}

}  // namespace
}  // namespace regcache::ops
