// redis.*: registry:2's key names for the Redis that coordinates nodes on one bucket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_error.hpp"
#include "config/config_fixture.hpp"
#include "config/config_loader.hpp"
#include "config/temp_dir.hpp"

namespace regcache::config {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kS3 = testing::kS3Storage;

class RedisConfigTest : public ::testing::Test {
 protected:
  Config load(std::string_view yaml) const {
    Environment env{
        {"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", (dir_.path() / "storage").string()}};
    return load_config(dir_.write("config.yml", yaml), env);
  }
  std::string error_of(std::string_view yaml) const {
    try {
      load(yaml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
    return {};
  }
  testing::TempDir dir_;
};

TEST_F(RedisConfigTest, AbsentWithoutAddr) { EXPECT_FALSE(load(kS3).redis); }

TEST_F(RedisConfigTest, ReadsRegistryKeyNamesAndTheLease) {
  auto config = load(std::string(kS3) + R"(redis:
  addr: redis.internal:6380
  password: secret
  db: 2
  dialtimeout: 10ms
  readtimeout: 250ms
  writetimeout: 300ms
regcache:
  fetch_lease: 45s
)");
  ASSERT_TRUE(config.redis);
  EXPECT_EQ(config.redis->host, "redis.internal");
  EXPECT_EQ(config.redis->port, 6380);
  EXPECT_EQ(config.redis->password, "secret");
  EXPECT_EQ(config.redis->db, 2u);
  EXPECT_EQ(config.redis->dial_timeout, std::chrono::milliseconds(10));
  EXPECT_EQ(config.redis->io_timeout, std::chrono::milliseconds(300));
  EXPECT_EQ(config.redis->fetch_lease, std::chrono::seconds(45));
}

TEST_F(RedisConfigTest, WithoutS3ItIsIgnoredWithAWarning) {
  auto config = load("redis:\n  addr: 127.0.0.1:6379\n");
  EXPECT_FALSE(config.redis);
  EXPECT_THAT(::testing::PrintToString(config.warnings),
              HasSubstr("redis.addr: not used by regcache (ignored)"));
}

TEST_F(RedisConfigTest, BadValuesNameTheKey) {
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addr: nohost\n"), HasSubstr("redis.addr"));
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addr: r:6379\n  db: 99\n"),
              HasSubstr("redis.db"));
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addr: r:6379\n  readtimeout: 2h\n"),
              HasSubstr("redis.readtimeout"));
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addr: r:6379\nregcache:\n  fetch_lease: 0s\n"),
              HasSubstr("regcache.fetch_lease"));
}

TEST_F(RedisConfigTest, AddrsListsTheSeedsOfARedisCluster) {
  auto config = load(std::string(kS3) + R"(redis:
  addrs: [redis-1:7000, "redis-2:7001", 10.0.0.3:7002]
)");
  ASSERT_TRUE(config.redis);
  using Seed = std::pair<std::string, uint16_t>;
  EXPECT_EQ(config.redis->cluster,
            (std::vector<Seed>{{"redis-1", 7000}, {"redis-2", 7001}, {"10.0.0.3", 7002}}));
}

TEST_F(RedisConfigTest, AddrsFromTheEnvironmentIsCommaSeparated) {
  Environment env{{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", (dir_.path() / "s").string()},
                  {"REGISTRY_REDIS_ADDRS", "a:1, b:2"}};
  auto config = load_config(dir_.write("config.yml", kS3), env);
  ASSERT_TRUE(config.redis);
  EXPECT_EQ(config.redis->cluster.size(), 2u);
}

TEST_F(RedisConfigTest, BadAddrsNameTheKey) {
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addrs: [a:1, nohost]\n"),
              HasSubstr("redis.addrs"));
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addrs: []\n"), HasSubstr("redis.addrs"));
  EXPECT_THAT(error_of(std::string(kS3) + "redis:\n  addr: a:1\n  addrs: [b:2]\n"),
              HasSubstr("not both"));
}

TEST_F(RedisConfigTest, PeerTrustAndLocalCopies) {
  const auto ca = dir_.write("peers.pem", "-----BEGIN CERTIFICATE-----\n");
  auto config = load(std::string(kS3) + R"(redis:
  addr: redis.internal:6380
regcache:
  peer_ca: )" + ca.string() + R"(
  peer_tls_skip_verify: true
  s3_local_cache:
    max_size: 50GiB
)");
  ASSERT_TRUE(config.redis);
  EXPECT_EQ(config.redis->peer_ca, ca.string());
  EXPECT_TRUE(config.redis->peer_skip_verify);
  ASSERT_TRUE(config.storage.s3);
  EXPECT_EQ(config.storage.s3->local_cache_bytes, 50ull << 30);
  // The default, and off.
  EXPECT_EQ(load(kS3).storage.s3->local_cache_bytes, 10ull << 30);
  EXPECT_EQ(load(std::string(kS3) + "regcache:\n  s3_local_cache:\n    max_size: 0\n")
                .storage.s3->local_cache_bytes,
            0u);
}

TEST_F(RedisConfigTest, PeerCaMustBeAFileAndLocalCacheSizeValid) {
  EXPECT_THAT(error_of(std::string(kS3) +
                       "redis:\n  addr: r:6379\nregcache:\n  peer_ca: /nonexistent/ca.pem\n"),
              HasSubstr("regcache.peer_ca"));
  EXPECT_THAT(error_of(std::string(kS3) + "regcache:\n  s3_local_cache:\n    max_size: lots\n"),
              HasSubstr("regcache.s3_local_cache.max_size"));
}

}  // namespace
}  // namespace regcache::config
