#include "lifecycle/bucket_plan.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

using namespace regcache;
using lifecycle::BucketLimits;
using lifecycle::BucketObject;
using lifecycle::plan_bucket_pass;

namespace {

constexpr uint64_t MiB = 1024 * 1024;
constexpr int64_t kNow = 1'000'000;

registry::Digest digest(int i) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064x", i);
  return *registry::Digest::parse(std::string("sha256:") + hex);
}

BucketObject object(int i, uint64_t size, int64_t last_access) {
  return {digest(i), size, last_access};
}

BucketLimits budget(uint64_t bytes) {
  BucketLimits limits;
  limits.max_bytes = bytes;
  limits.high_watermark = 90;
  limits.low_watermark = 50;
  return limits;
}

auto no_ttl = [](const std::string&) { return int64_t{0}; };
auto nothing_protected = [](const registry::Digest&) { return false; };

std::set<registry::Digest> digests(const std::vector<BucketObject>& objects) {
  std::set<registry::Digest> out;
  for (const auto& o : objects) out.insert(o.digest);
  return out;
}

TEST(BucketPlan, UnderTheHighWatermarkNothingIsEvicted) {
  auto plan = plan_bucket_pass({object(1, 40 * MiB, 10), object(2, 49 * MiB, 20)},
                               budget(100 * MiB), kNow, no_ttl, nothing_protected);
  EXPECT_TRUE(plan.evicted.empty());
  EXPECT_TRUE(plan.expired.empty());
  EXPECT_FALSE(plan.over_budget);
  EXPECT_EQ(plan.bytes, 89 * MiB);
  EXPECT_EQ(plan.remaining, 89 * MiB);
}

TEST(BucketPlan, WithoutMaxSizeNothingIsEvicted) {
  auto plan =
      plan_bucket_pass({object(1, 400 * MiB, 10)}, BucketLimits{}, kNow, no_ttl, nothing_protected);
  EXPECT_TRUE(plan.evicted.empty());
  EXPECT_FALSE(plan.over_budget);
}

TEST(BucketPlan, EvictsLeastRecentlyUsedAcrossNodesDownToTheLowWatermark) {
  // Last access as the shared record has it: whichever node used it last.
  auto plan = plan_bucket_pass({object(1, 30 * MiB, 300), object(2, 30 * MiB, 100),
                                object(3, 30 * MiB, 200), object(4, 5 * MiB, 400)},
                               budget(100 * MiB), kNow, no_ttl, nothing_protected);
  ASSERT_TRUE(plan.over_budget);
  ASSERT_EQ(plan.evicted.size(), 2u);
  EXPECT_EQ(plan.evicted[0].digest, digest(2));  // oldest first
  EXPECT_EQ(plan.evicted[1].digest, digest(3));
  EXPECT_EQ(plan.remaining, 35 * MiB);
  EXPECT_TRUE(plan.reachable);
}

TEST(BucketPlan, TiesGoLargestFirst) {
  auto plan = plan_bucket_pass(
      {object(1, 10 * MiB, 100), object(2, 50 * MiB, 100), object(3, 35 * MiB, 200)},
      budget(100 * MiB), kNow, no_ttl, nothing_protected);
  ASSERT_EQ(plan.evicted.size(), 1u);
  EXPECT_EQ(plan.evicted[0].digest, digest(2));
}

TEST(BucketPlan, ProtectedObjectsAreNeverChosen) {
  // 1 is being fetched by a node (lease) although it is the oldest.
  auto plan = plan_bucket_pass(
      {object(1, 60 * MiB, 100), object(2, 30 * MiB, 200), object(3, 5 * MiB, 300)},
      budget(100 * MiB), kNow, no_ttl, [](const registry::Digest& d) { return d == digest(1); });
  EXPECT_EQ(digests(plan.evicted), (std::set{digest(2), digest(3)}));
  EXPECT_FALSE(plan.reachable);  // 60 MiB stay above the 50 MiB target
}

TEST(BucketPlan, TtlCountsFromTheLastAccessByAnyNode) {
  auto ttl = [](const std::string&) { return int64_t{3600}; };
  auto plan = plan_bucket_pass(
      {object(1, MiB, kNow - 3601), object(2, MiB, kNow - 3599), object(3, MiB, kNow - 10)},
      BucketLimits{}, kNow, ttl, nothing_protected);
  EXPECT_EQ(digests(plan.expired), (std::set{digest(1)}));
  EXPECT_EQ(plan.remaining, 2 * MiB);
}

TEST(BucketPlan, TtlPerObjectAndZeroKeepsForever) {
  auto ttl = [](const std::string& hex) {
    return hex == digest(1).hex() ? int64_t{0} : int64_t{60};
  };
  auto plan = plan_bucket_pass({object(1, MiB, 0), object(2, MiB, 0)}, BucketLimits{}, kNow, ttl,
                               nothing_protected);
  EXPECT_EQ(digests(plan.expired), (std::set{digest(2)}));
}

TEST(BucketPlan, ExpiredProtectedObjectsStay) {
  auto ttl = [](const std::string&) { return int64_t{60}; };
  auto plan = plan_bucket_pass({object(1, MiB, 0)}, BucketLimits{}, kNow, ttl,
                               [](const registry::Digest&) { return true; });
  EXPECT_TRUE(plan.expired.empty());
}

TEST(BucketPlan, ExpiryCountsTowardsTheBudget) {
  // Expiring 1 brings the bucket under the high watermark: nothing else goes.
  auto ttl = [](const std::string& hex) { return hex == digest(1).hex() ? int64_t{60} : 0; };
  auto plan = plan_bucket_pass({object(1, 50 * MiB, 0), object(2, 45 * MiB, 10)}, budget(100 * MiB),
                               kNow, ttl, nothing_protected);
  EXPECT_EQ(digests(plan.expired), (std::set{digest(1)}));
  EXPECT_TRUE(plan.evicted.empty());
  EXPECT_FALSE(plan.over_budget);
}

}  // namespace
