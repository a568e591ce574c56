#include "coord/redis_tag_revalidation.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

namespace regcache::coord {
namespace {

using namespace std::chrono_literals;

// Just enough Redis for the lease: SET NX PX, EXISTS, the compare-and-delete
// script (no expiry: the lease holds until released). `down` answers nothing.
class FakeRedis final : public RedisClient {
 public:
  std::optional<RedisReply> command(std::span<const std::string_view> args) override {
    std::lock_guard lock(mutex_);
    if (down) return std::nullopt;
    const std::string op(args[0]);
    RedisReply reply;
    if (op == "SET") {
      if (keys.contains(std::string(args[1]))) return reply;  // nil: taken
      keys[std::string(args[1])] = std::string(args[2]);
      reply.type = RedisReply::Type::text;
      reply.text = "OK";
    } else if (op == "EXISTS") {
      reply.type = RedisReply::Type::integer;
      reply.integer = keys.contains(std::string(args[1])) ? 1 : 0;
    } else if (op == "EVAL") {
      reply.type = RedisReply::Type::integer;
      auto it = keys.find(std::string(args[3]));
      if (it != keys.end() && it->second == args[4]) {
        keys.erase(it);
        reply.integer = 1;
      }
    }
    return reply;
  }
  std::string describe() const override { return "fake"; }

  bool down = false;
  std::map<std::string, std::string> keys;

 private:
  std::mutex mutex_;
};

TEST(RedisTagRevalidation, FirstClaimRevalidatesAndTheNextServesItsRecord) {
  auto redis = std::make_shared<FakeRedis>();
  RedisTagRevalidation a(redis, "bucket/prefix", 2s, 1ms);
  RedisTagRevalidation b(redis, "bucket/prefix", 2s, 1ms);
  std::string lease_a;
  EXPECT_FALSE(a.wait_for_other(
      "hub/library/alpine:3", [] { return false; }, lease_a));
  ASSERT_FALSE(lease_a.empty());
  EXPECT_NE(a.redis_key("hub/library/alpine:3").find("{"), std::string::npos);

  int polls = 0;
  std::string lease_b;
  EXPECT_TRUE(b.wait_for_other(
      "hub/library/alpine:3", [&] { return ++polls == 3; }, lease_b));
  EXPECT_TRUE(lease_b.empty());
  a.release("hub/library/alpine:3", lease_a);
  EXPECT_TRUE(redis->keys.empty());
}

TEST(RedisTagRevalidation, ARecordWrittenJustBeforeTheClaimIsServed) {
  auto redis = std::make_shared<FakeRedis>();
  RedisTagRevalidation a(redis, "s", 2s, 1ms);
  std::string lease;
  EXPECT_TRUE(a.wait_for_other(
      "k", [] { return true; }, lease));
  EXPECT_TRUE(lease.empty());
  EXPECT_TRUE(redis->keys.empty());
}

TEST(RedisTagRevalidation, ReleasedWithoutAFreshRecordRevalidatesHere) {
  auto redis = std::make_shared<FakeRedis>();
  RedisTagRevalidation a(redis, "s", 2s, 1ms);
  RedisTagRevalidation b(redis, "s", 2s, 1ms);
  std::string lease_a;
  ASSERT_FALSE(a.wait_for_other(
      "k", [] { return false; }, lease_a));
  std::string lease_b;
  // The holder's upstream request failed: it drops the lease, nothing fresh appears.
  EXPECT_FALSE(b.wait_for_other(
      "k",
      [&] {
        a.release("k", lease_a);
        return false;
      },
      lease_b));
  EXPECT_TRUE(lease_b.empty());
}

TEST(RedisTagRevalidation, WaitsAtMostTheLease) {
  auto redis = std::make_shared<FakeRedis>();
  RedisTagRevalidation a(redis, "s", 50ms, 5ms);
  std::string lease_a;
  ASSERT_FALSE(a.wait_for_other(
      "k", [] { return false; }, lease_a));
  std::string lease_again;
  // Same node, another request: waits on its own node's lease too, then gives up.
  EXPECT_FALSE(a.wait_for_other(
      "k", [] { return false; }, lease_again));
  EXPECT_TRUE(lease_again.empty());
  a.release("k", lease_again);  // not the holder: the lease stays
  EXPECT_EQ(redis->keys.size(), 1u);
}

TEST(RedisTagRevalidation, RedisUnreachableRevalidatesHere) {
  auto redis = std::make_shared<FakeRedis>();
  redis->down = true;
  RedisTagRevalidation a(redis, "s", 2s, 1ms);
  std::string lease;
  EXPECT_FALSE(a.wait_for_other(
      "k", [] { return true; }, lease));
  EXPECT_TRUE(lease.empty());
}

}  // namespace
}  // namespace regcache::coord
