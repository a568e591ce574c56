#include "coord/redis_hash_slot.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "coord/redis_cluster.hpp"

namespace regcache::coord {
namespace {

TEST(RedisHashSlot, Crc16MatchesTheXmodemCheckValue) {
  EXPECT_EQ(crc16_xmodem("123456789"), 0x31C3);
  EXPECT_EQ(crc16_xmodem(""), 0);
}

// Slots as `redis-cli CLUSTER KEYSLOT` reports them (Redis 7).
TEST(RedisHashSlot, SlotsMatchRedis) {
  EXPECT_EQ(hash_slot("123456789"), 12739);
  EXPECT_EQ(hash_slot("foo"), 12182);
  EXPECT_EQ(hash_slot("bar"), 5061);
  EXPECT_EQ(hash_slot("somekey"), 11058);
}

TEST(RedisHashSlot, OnlyTheHashTagIsHashed) {
  EXPECT_EQ(hash_tag_of("regcache:b/p:{abc}:fetch"), "abc");
  EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("{user1000}.followers"));
  EXPECT_EQ(hash_slot("regcache:x:{abc}:fetch"), hash_slot("abc"));
  // The first '{' counts, up to the next '}'.
  EXPECT_EQ(hash_tag_of("foo{bar}{zap}"), "bar");
  EXPECT_EQ(hash_tag_of("foo{{bar}}zap"), "{bar");
}

TEST(RedisHashSlot, AnEmptyOrOpenTagHashesTheWholeKey) {
  EXPECT_EQ(hash_tag_of("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(hash_tag_of("foo{bar"), "foo{bar");
  EXPECT_EQ(hash_tag_of("plain"), "plain");
  EXPECT_EQ(hash_slot("foo{}{bar}"), crc16_xmodem("foo{}{bar}") % kRedisSlots);
}

TEST(RedisCluster, RoutesACommandByItsFirstKey) {
  using Args = std::array<std::string_view, 4>;
  EXPECT_EQ(RedisCluster::key_of(Args{"SET", "k", "v", "NX"}), "k");
  EXPECT_EQ(RedisCluster::key_of(Args{"eval", "return 1", "1", "k"}), "k");
  EXPECT_EQ(RedisCluster::key_of(Args{"EVAL", "return 1", "0", "x"}), std::nullopt);
  EXPECT_EQ(RedisCluster::key_of(std::array<std::string_view, 1>{"PING"}), std::nullopt);
}

}  // namespace
}  // namespace regcache::coord
