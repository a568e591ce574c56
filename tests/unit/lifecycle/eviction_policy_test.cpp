#include "lifecycle/eviction_policy.hpp"

#include <gtest/gtest.h>

#include <cstdio>

using namespace regcache;
using lifecycle::EvictionPolicy;
using lifecycle::FilesystemSpace;

namespace {

constexpr uint64_t MiB = 1024 * 1024;
constexpr uint64_t GiB = 1024 * MiB;

registry::Digest digest(int i) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064x", i);
  return *registry::Digest::parse(std::string("sha256:") + hex);
}

index::ObjectRecord object(int i, uint64_t size, int64_t last_access) {
  return {digest(i), size, "", last_access, last_access};
}

config::LifecycleConfig budget_of(uint64_t max_bytes) {
  config::LifecycleConfig c;
  c.max_size = {max_bytes, 0};
  c.min_free_space = {};
  return c;
}

const FilesystemSpace kRoomy{1000 * GiB, 900 * GiB};

TEST(EvictionPolicy, NoBudgetMeansNoEviction) {
  config::LifecycleConfig c;
  c.min_free_space = {};
  EvictionPolicy policy(c);
  EXPECT_EQ(policy.budget(500 * GiB, kRoomy), EvictionPolicy::kUnlimited);
  EXPECT_FALSE(policy.over_high_watermark(999 * GiB, kRoomy));
  EXPECT_TRUE(policy.plan({object(1, GiB, 1)}, 999 * GiB, kRoomy, nullptr).victims.empty());
}

TEST(EvictionPolicy, StartsAboveHighWatermarkAndStopsAtLow) {
  EvictionPolicy policy(budget_of(100 * MiB));  // high 95%, low 85%
  EXPECT_FALSE(policy.over_high_watermark(95 * MiB, kRoomy));
  EXPECT_TRUE(policy.over_high_watermark(95 * MiB + 1, kRoomy));

  // ten 10 MiB objects = 100 MiB; get down to 85 MiB -> the two oldest go.
  std::vector<index::ObjectRecord> objects;
  for (int i = 0; i < 10; ++i) objects.push_back(object(i, 10 * MiB, 100 + (i * 7) % 10));
  auto plan = policy.plan(objects, 100 * MiB, kRoomy, nullptr);
  ASSERT_EQ(plan.victims.size(), 2u);
  EXPECT_EQ(plan.victims[0].last_access, 100);
  EXPECT_EQ(plan.victims[1].last_access, 101);
  EXPECT_EQ(plan.bytes, 20 * MiB);
  EXPECT_EQ(plan.target, 85 * MiB);
  EXPECT_TRUE(plan.reachable);
}

TEST(EvictionPolicy, LeastRecentlyUsedFirstLargerFirstOnTies) {
  EvictionPolicy policy(budget_of(10 * MiB));
  std::vector<index::ObjectRecord> objects{object(1, 4 * MiB, 50), object(2, 6 * MiB, 50),
                                           object(3, 2 * MiB, 10)};
  auto plan = policy.plan(objects, 12 * MiB, kRoomy, nullptr);
  ASSERT_EQ(plan.victims.size(), 2u);
  EXPECT_EQ(plan.victims[0].digest, digest(3));
  EXPECT_EQ(plan.victims[1].digest, digest(2));
}

TEST(EvictionPolicy, SkipsContentInUse) {
  EvictionPolicy policy(budget_of(10 * MiB));
  std::vector<index::ObjectRecord> objects{object(1, 8 * MiB, 1), object(2, 8 * MiB, 2)};
  auto plan = policy.plan(objects, 16 * MiB, kRoomy,
                          [](const index::ObjectRecord& o) { return o.digest == digest(1); });
  ASSERT_EQ(plan.victims.size(), 1u);
  EXPECT_EQ(plan.victims[0].digest, digest(2));
  EXPECT_TRUE(plan.reachable);

  auto stuck = policy.plan(objects, 16 * MiB, kRoomy, [](const auto&) { return true; });
  EXPECT_TRUE(stuck.victims.empty());
  EXPECT_FALSE(stuck.reachable);
}

TEST(EvictionPolicy, PercentOfFilesystem) {
  config::LifecycleConfig c;
  c.max_size = {0, 10};  // 10% of 1000 GiB
  c.min_free_space = {};
  EvictionPolicy policy(c);
  EXPECT_EQ(policy.budget(0, kRoomy), 100 * GiB);
}

TEST(EvictionPolicy, MinFreeSpaceLowersTheBudget) {
  config::LifecycleConfig c;
  c.min_free_space = {50 * GiB, 0};
  EvictionPolicy policy(c);
  // 30 GiB cached + 60 GiB free = 90 GiB the cache could use; 50 GiB must stay free.
  FilesystemSpace fs{1000 * GiB, 60 * GiB};
  EXPECT_EQ(policy.budget(30 * GiB, fs), 40 * GiB);
  EXPECT_FALSE(policy.over_high_watermark(30 * GiB, fs));
  // Another tenant fills the disk: 10 GiB free left.
  FilesystemSpace full{1000 * GiB, 10 * GiB};
  EXPECT_EQ(policy.budget(30 * GiB, full), 0u);
  EXPECT_TRUE(policy.over_high_watermark(30 * GiB, full));
  // And max_size still caps it when it is lower.
  c.max_size = {20 * GiB, 0};
  EXPECT_EQ(EvictionPolicy(c).budget(30 * GiB, fs), 20 * GiB);
}

TEST(EvictionPolicy, CustomWatermarks) {
  auto c = budget_of(100 * MiB);
  c.high_watermark = 80;
  c.low_watermark = 50;
  EvictionPolicy policy(c);
  std::vector<index::ObjectRecord> objects;
  for (int i = 0; i < 9; ++i) objects.push_back(object(i, 10 * MiB, i));
  EXPECT_TRUE(policy.over_high_watermark(90 * MiB, kRoomy));
  auto plan = policy.plan(objects, 90 * MiB, kRoomy, nullptr);
  EXPECT_EQ(plan.victims.size(), 4u);  // 90 -> 50 MiB
}

}  // namespace
