#include "lifecycle/expiry_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace regcache;
using lifecycle::ExpiryPolicy;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

registry::Digest digest(char c) { return *registry::Digest::parse("sha256:" + std::string(64, c)); }

index::IndexSnapshot snapshot_with(std::vector<index::ObjectRecord> objects,
                                   std::vector<index::LinkEntry> links) {
  index::IndexSnapshot s;
  s.objects = std::move(objects);
  s.links = std::move(links);
  return s;
}

TEST(ExpiryPolicy, UnusedLongerThanTtlExpiresAndUseRefreshes) {
  ExpiryPolicy policy({{"docker.io", hours(1)}}, hours(1));
  const int64_t now = 100'000;
  auto s = snapshot_with(
      {{digest('a'), 1, "", now - 7200, now - 3601},  // idle > 1h
       {digest('b'), 1, "", now - 7200, now - 60}},   // fetched long ago, used now
      {{"docker.io", "library/x", digest('a')}, {"docker.io", "library/x", digest('b')}});
  auto expired = policy.expired(s, now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].object.digest, digest('a'));
  EXPECT_EQ(expired[0].cutoff, now - 3600);
}

TEST(ExpiryPolicy, ZeroNeverExpires) {
  ExpiryPolicy policy({{"docker.io", seconds(0)}}, seconds(0));
  auto s = snapshot_with({{digest('a'), 1, "", 0, 0}}, {{"docker.io", "r", digest('a')}});
  EXPECT_TRUE(policy.expired(s, 1'000'000'000).empty());
  EXPECT_EQ(policy.shortest().count(), 0);
}

TEST(ExpiryPolicy, SharedContentKeepsTheLongestTtl) {
  ExpiryPolicy policy(
      {{"short.io", seconds(10)}, {"long.io", seconds(1000)}, {"keep.io", seconds(0)}},
      seconds(10));
  const int64_t now = 10'000;
  auto s = snapshot_with({{digest('a'), 1, "", 0, now - 100},   // short + long: 1000s
                          {digest('b'), 1, "", 0, now - 100},   // short only
                          {digest('c'), 1, "", 0, now - 9000},  // short + keep: never
                          {digest('d'), 1, "", 0, now - 100}},  // no link: fallback 10s
                         {{"short.io", "r", digest('a')},
                          {"long.io", "r", digest('a')},
                          {"short.io", "r", digest('b')},
                          {"short.io", "r", digest('c')},
                          {"keep.io", "r", digest('c')}});
  std::vector<std::string> got;
  for (const auto& e : policy.expired(s, now)) got.push_back(e.object.digest.hex());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{digest('b').hex(), digest('d').hex()}));
  EXPECT_EQ(policy.shortest(), seconds(10));
}

}  // namespace

namespace {

TEST(ExpiryPolicy, EachUpstreamKeepsItsOwnTtl) {
  config::Config config;
  config.upstreams[0].ttl = hours(1);  // docker.io, the default
  config::UpstreamConfig k8s;
  k8s.name = "registry.k8s.io";
  k8s.ttl = hours(10);
  config.upstreams.push_back(k8s);
  auto policy = ExpiryPolicy::from_config(config);
  const int64_t now = 1'000'000;
  const int64_t idle = now - 2 * 3600;  // idle two hours
  auto s = snapshot_with({{digest('a'), 1, "", idle, idle},
                          {digest('b'), 1, "", idle, idle},
                          {digest('c'), 1, "", idle, idle}},
                         {{"docker.io", "library/x", digest('a')},
                          {"registry.k8s.io", "pause", digest('b')},
                          {"gone.example.com", "y", digest('c')}});
  auto expired = policy.expired(s, now);
  std::vector<registry::Digest> digests;
  for (const auto& e : expired) digests.push_back(e.object.digest);
  std::sort(digests.begin(), digests.end(),
            [](const auto& l, const auto& r) { return l.str() < r.str(); });
  // docker.io's 1h is over; registry.k8s.io's 10h is not; an upstream no longer
  // configured falls back to the default upstream's ttl.
  EXPECT_EQ(digests, (std::vector<registry::Digest>{digest('a'), digest('c')}));
  EXPECT_EQ(policy.shortest(), hours(1));
}

TEST(ExpiryPolicy, LongestForContentOfUnknownOrigin) {
  // A shared bucket holds blobs this node never linked: they keep the longest TTL.
  EXPECT_EQ(ExpiryPolicy({{"a", hours(1)}, {"b", hours(5)}}, hours(2)).longest(), hours(5));
  EXPECT_EQ(ExpiryPolicy({{"a", hours(1)}, {"b", seconds(0)}}, hours(2)).longest(), seconds(0));
  EXPECT_EQ(ExpiryPolicy({{"a", hours(1)}}, seconds(0)).longest(), seconds(0));
}

TEST(ExpiryPolicy, TtlByDigestFollowsLinks) {
  ExpiryPolicy policy({{"a", hours(1)}, {"b", hours(3)}}, hours(2));
  auto s = snapshot_with(
      {}, {{"a", "r", digest('a')}, {"b", "r", digest('a')}, {"a", "r", digest('b')}});
  auto ttls = policy.ttl_by_digest(s);
  EXPECT_EQ(ttls.at(digest('a').hex()), 3 * 3600);
  EXPECT_EQ(ttls.at(digest('b').hex()), 3600);
  EXPECT_FALSE(ttls.contains(digest('c').hex()));
}

}  // namespace
