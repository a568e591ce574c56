#include "ops/readiness.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace regcache::ops {
namespace {

TEST(Readiness, ReadyWhenStorageTakesWritesAndTheIndexAnswers) {
  test_support::TempDir dir;
  index::CacheIndex index(dir.path() / "index.sqlite");
  UpstreamHealth upstreams({"docker.io"});
  Readiness readiness(dir.path(), index, upstreams);
  auto report = readiness.report();
  EXPECT_TRUE(report.ready);
  ASSERT_EQ(report.checks.size(), 2u);
  EXPECT_EQ(report.checks[0].name, "storage");
  EXPECT_TRUE(report.checks[0].ok);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".readyz-probe")) << "the probe is removed";
  auto json = nlohmann::json::parse(to_json(report));
  EXPECT_EQ(json["upstreams"][0]["state"], "unknown");
}

TEST(Readiness, UnreadyWhenStorageCannotBeWritten) {
  test_support::TempDir dir;
  index::CacheIndex index(dir.path() / "index.sqlite");
  UpstreamHealth upstreams;
  Readiness readiness(dir.path() / "missing", index, upstreams);
  auto report = readiness.report();
  EXPECT_FALSE(report.ready);
  EXPECT_FALSE(report.checks[0].ok);
  EXPECT_NE(report.checks[0].detail.find("cannot write"), std::string::npos);
}

TEST(Readiness, PausedCachingIsReportedButStaysReady) {
  test_support::TempDir dir;
  index::CacheIndex index(dir.path() / "index.sqlite");
  UpstreamHealth upstreams;
  Readiness readiness(dir.path(), index, upstreams, [] {
    LifecycleStatus s;
    s.caching_paused = true;
    s.paused_reason = "disk full";
    return s;
  });
  auto report = readiness.report();
  EXPECT_TRUE(report.ready);
  ASSERT_EQ(report.checks.size(), 3u);
  EXPECT_EQ(report.checks[2].detail, "paused: disk full");
}

}  // namespace
}  // namespace regcache::ops
