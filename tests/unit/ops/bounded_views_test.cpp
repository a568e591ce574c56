// The status page's bounded in-memory views: top repositories, recent errors,
// traffic history, and the page's escaping.
#include <gtest/gtest.h>

#include "ops/recent_errors.hpp"
#include "ops/status_page.hpp"
#include "ops/top_repositories.hpp"
#include "ops/traffic_history.hpp"

namespace regcache::ops {
namespace {

TEST(TopRepositories, RanksByBytesAndStaysBounded) {
  TopRepositories top(128);
  for (int i = 0; i < 1000; ++i) top.record("noise/" + std::to_string(i), 1);
  for (int i = 0; i < 50; ++i) top.record("library/alpine", 1000);
  top.record("library/busybox", 20000);
  auto ranked = top.top(2);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].upstream_repository, "library/alpine");
  EXPECT_GE(ranked[0].bytes, 50000u);
  EXPECT_EQ(ranked[1].upstream_repository, "library/busybox");
  EXPECT_LE(top.top(100000).size(), 128u);
}

TEST(RecentErrors, KeepsTheNewestFirst) {
  RecentErrors errors(3);
  for (int i = 0; i < 5; ++i) errors.add({i, "client", "e" + std::to_string(i), ""});
  auto list = errors.list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].what, "e4");
  EXPECT_EQ(list[2].what, "e2");
}

TEST(TrafficHistory, KeepsDeltasInARing) {
  TrafficHistory history(3);
  history.sample(0, {10, 0, 0, 0, 0});
  EXPECT_TRUE(history.slots().empty());
  for (int i = 1; i <= 5; ++i) history.sample(i * 10, {10 + uint64_t(i) * 5, 0, 0, 0, 0});
  auto slots = history.slots();
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[0].time, 30);
  EXPECT_EQ(slots[2].time, 50);
  EXPECT_EQ(slots[2].delta.requests, 5u);
}

TEST(StatusPage, EscapesNamesAndKeepsTheScriptClosed) {
  StatusSnapshot s;
  s.top_repositories.push_back({"evil/<script>alert(1)</script>", 1, 10});
  s.recent_errors.push_back({0, "client", "GET /v2/\"x\" -> 503", "id"});
  s.history.push_back({10, {1, 2, 3, 4, 0}});
  auto page = render_status_page(s);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("evil/&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&quot;x&quot;"), std::string::npos);
  EXPECT_NE(page.find("id=\"hits\" data-value=\"0\""), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos) << "no external assets";
  EXPECT_EQ(page.find("href=\"http"), std::string::npos) << "no external links";
}

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
}

}  // namespace
}  // namespace regcache::ops
