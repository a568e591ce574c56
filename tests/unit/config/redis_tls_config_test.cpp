// redis.tls.*: TLS to the Redis that coordinates nodes on one bucket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_fixture.hpp"

namespace regcache::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kS3AndRedis =
    std::string(testing::kS3Storage) + "redis:\n  addr: redis.internal:6380\n";

class RedisTlsConfigTest : public testing::ConfigFixture {
 protected:
  std::string with_tls(std::string_view tls) const {
    return std::string(kS3AndRedis) + "  tls:\n" + std::string(tls);
  }
  const std::string pem = "-----BEGIN CERTIFICATE-----\n";
};

TEST_F(RedisTlsConfigTest, OffUnlessEnabled) {
  auto config = load(kS3AndRedis);
  ASSERT_TRUE(config.redis);
  EXPECT_FALSE(config.redis->tls.enabled);
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST_F(RedisTlsConfigTest, ReadsCaClientCertificateAndKey) {
  const auto ca = dir_.write("redis-ca.pem", pem);
  const auto cert = dir_.write("client.crt", pem);
  const auto key = dir_.write("client.key", "-----BEGIN PRIVATE KEY-----\n");
  auto config = load(with_tls("    enabled: true\n    ca: " + ca.string() + "\n    certificate: " +
                              cert.string() + "\n    key: " + key.string() + "\n"));
  ASSERT_TRUE(config.redis);
  const auto& tls = config.redis->tls;
  EXPECT_TRUE(tls.enabled);
  EXPECT_EQ(tls.ca, ca.string());
  EXPECT_EQ(tls.certificate, cert.string());
  EXPECT_EQ(tls.key, key.string());
  EXPECT_FALSE(tls.skip_verify);
  // Not ignored any more: no warning about redis.tls.
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST_F(RedisTlsConfigTest, EnabledFromTheEnvironmentLikeRegistry) {
  auto config = load(kS3AndRedis, {{"REGISTRY_REDIS_TLS_ENABLED", "true"}});
  ASSERT_TRUE(config.redis);
  EXPECT_TRUE(config.redis->tls.enabled);
  EXPECT_TRUE(config.redis->tls.ca.empty());  // the system CAs only
}

TEST_F(RedisTlsConfigTest, SkippingVerificationIsAllowedWithAWarning) {
  auto config = load(with_tls("    enabled: true\n    insecureskipverify: true\n"));
  ASSERT_TRUE(config.redis);
  EXPECT_TRUE(config.redis->tls.skip_verify);
  EXPECT_THAT(config.warnings,
              Contains(AllOf(HasSubstr("redis.tls.insecureskipverify"), HasSubstr("not checked"))));
}

TEST_F(RedisTlsConfigTest, SettingsWithoutEnabledAreReportedUnused) {
  const auto ca = dir_.write("redis-ca.pem", pem);
  auto config = load(with_tls("    ca: " + ca.string() + "\n"));
  ASSERT_TRUE(config.redis);
  EXPECT_FALSE(config.redis->tls.enabled);
  EXPECT_THAT(config.warnings,
              Contains(AllOf(HasSubstr("redis.tls.ca"), HasSubstr("redis.tls.enabled"))));
}

TEST_F(RedisTlsConfigTest, MissingCaFileNamesTheKey) {
  EXPECT_THAT(error_of(with_tls("    enabled: true\n    ca: /nonexistent/redis-ca.pem\n")),
              AllOf(HasSubstr("redis.tls.ca"), HasSubstr("not a readable file")));
  EXPECT_THAT(error_of(with_tls("    enabled: true\n    ca: " + dir_.path().string() + "\n")),
              HasSubstr("redis.tls.ca"));
}

TEST_F(RedisTlsConfigTest, CertificateAndKeyGoTogether) {
  const auto cert = dir_.write("client.crt", pem);
  EXPECT_THAT(error_of(with_tls("    enabled: true\n    certificate: " + cert.string() + "\n")),
              AllOf(HasSubstr("redis.tls.certificate"), HasSubstr("together")));
  EXPECT_THAT(error_of(with_tls("    enabled: true\n    key: " + cert.string() + "\n")),
              AllOf(HasSubstr("redis.tls.key"), HasSubstr("together")));
  EXPECT_THAT(error_of(with_tls("    enabled: true\n    certificate: " + cert.string() +
                                "\n    key: /nonexistent/client.key\n")),
              AllOf(HasSubstr("redis.tls.key"), HasSubstr("not a readable file")));
}

TEST_F(RedisTlsConfigTest, BadBooleanNamesTheKey) {
  EXPECT_THAT(error_of(with_tls("    enabled: maybe\n")), HasSubstr("redis.tls.enabled"));
}

}  // namespace
}  // namespace regcache::config
