#include <gtest/gtest.h>

#include "access/concurrency_limiter.hpp"
#include "access/rate_limiter.hpp"

namespace regcache::access {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, AllowsABurstThenTheSustainedRate) {
  RateLimiter limiter(2, 4);  // 2/s, bursts of 4
  const auto t0 = Clock::time_point{} + 1000s;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(limiter.acquire("a", t0), 0u) << i;
  EXPECT_EQ(limiter.acquire("a", t0), 1u) << "empty bucket: one token in 0.5 s -> Retry-After 1";
  EXPECT_EQ(limiter.acquire("b", t0), 0u) << "clients are independent";
  EXPECT_EQ(limiter.acquire("a", t0 + 500ms), 0u);
  EXPECT_NE(limiter.acquire("a", t0 + 500ms), 0u);
  EXPECT_EQ(limiter.acquire("a", t0 + 10s), 0u) << "refilled, capped at the burst";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("a", t0 + 10s), 0u);
  EXPECT_NE(limiter.acquire("a", t0 + 10s), 0u);
}

TEST(RateLimiter, RetryAfterCoversTheWholeWait) {
  RateLimiter slow(1, 1);
  const auto t0 = Clock::time_point{} + 50s;
  EXPECT_EQ(slow.acquire("a", t0), 0u);
  EXPECT_EQ(slow.acquire("a", t0 + 100ms), 1u);
}

TEST(RateLimiter, MemoryIsBoundedAndIdleClientsAreDroppedFirst) {
  RateLimiter limiter(10, 10, 3);
  const auto t0 = Clock::time_point{} + 100s;
  EXPECT_EQ(limiter.acquire("a", t0), 0u);
  EXPECT_EQ(limiter.acquire("b", t0), 0u);
  EXPECT_EQ(limiter.acquire("c", t0), 0u);
  EXPECT_EQ(limiter.acquire("d", t0), 1u) << "table full of active clients: refused";
  EXPECT_EQ(limiter.acquire("d", t0 + 2s), 0u) << "a, b and c are idle (full) again: dropped";
  EXPECT_LE(limiter.tracked(), 3u);
}

TEST(ConcurrencyLimiter, SlotsAreReleasedWhenDone) {
  ConcurrencyLimiter limiter(2);
  auto one = limiter.try_acquire("a");
  auto two = limiter.try_acquire("a");
  ASSERT_TRUE(one && two);
  EXPECT_FALSE(limiter.try_acquire("a"));
  EXPECT_TRUE(limiter.try_acquire("b"));
  EXPECT_EQ(limiter.in_progress("b"), 0u) << "a temporary slot is released at once";
  one.reset();
  EXPECT_EQ(limiter.in_progress("a"), 1u);
  auto three = limiter.try_acquire("a");
  EXPECT_TRUE(three);
  auto moved = std::move(three);
  three.reset();
  EXPECT_EQ(limiter.in_progress("a"), 2u) << "a moved-from slot releases nothing";
}

}  // namespace
}  // namespace regcache::access
