// storage.s3: registry:2's key names, AWS_* variables, and precise errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/config_fixture.hpp"

namespace regcache::config {
namespace {

using ::testing::HasSubstr;

using S3Config = testing::ConfigFixture;

TEST_F(S3Config, AbsentWithoutS3Keys) { EXPECT_FALSE(load("version: 0.1\n").storage.s3); }

TEST_F(S3Config, ReadsRegistryKeyNames) {
  auto config = load(R"(storage:
  filesystem:
    rootdirectory: )" +
                     (dir_.path() / "local").string() + R"(
  s3:
    regionendpoint: http://127.0.0.1:7480/
    region: us-east-1
    bucket: mirror
    accesskey: AK
    secretkey: SK
    rootdirectory: /node-a/
    forcepathstyle: true
    chunksize: 10485760
)");
  ASSERT_TRUE(config.storage.s3);
  const auto& s3 = *config.storage.s3;
  EXPECT_EQ(s3.endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(s3.region, "us-east-1");
  EXPECT_EQ(s3.bucket, "mirror");
  EXPECT_EQ(s3.access_key, "AK");
  EXPECT_EQ(s3.secret_key, "SK");
  EXPECT_EQ(s3.root_directory, "/node-a/");
  EXPECT_TRUE(s3.path_style);
  EXPECT_EQ(s3.part_size, 10485760u);
  EXPECT_EQ(config.storage.root, dir_.path() / "storage");  // staging and index stay local
}

TEST_F(S3Config, CredentialsRegionAndEndpointFromAwsVariables) {
  auto config =
      load("storage:\n  s3:\n    bucket: mirror\n", {{"AWS_ACCESS_KEY_ID", "AK"},
                                                     {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                     {"AWS_DEFAULT_REGION", "cn-north-1"},
                                                     {"AWS_ENDPOINT_URL", "https://oss.example"}});
  ASSERT_TRUE(config.storage.s3);
  EXPECT_EQ(config.storage.s3->access_key, "AK");
  EXPECT_EQ(config.storage.s3->secret_key, "SK");
  EXPECT_EQ(config.storage.s3->region, "cn-north-1");
  EXPECT_EQ(config.storage.s3->endpoint, "https://oss.example");
  EXPECT_FALSE(config.storage.s3->path_style) << "virtual-host style unless forcepathstyle";
}

TEST_F(S3Config, AwsDefaultEndpointAndSecureFlag) {
  const Environment keys = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}};
  auto aws = load("storage:\n  s3:\n    bucket: b\n    region: eu-west-1\n", keys);
  EXPECT_EQ(aws.storage.s3->endpoint, "https://s3.eu-west-1.amazonaws.com");
  auto plain = load(
      "storage:\n  s3:\n    bucket: b\n    region: r\n    regionendpoint: minio:9000\n"
      "    secure: false\n",
      keys);
  EXPECT_EQ(plain.storage.s3->endpoint, "http://minio:9000");
}

TEST_F(S3Config, RedirectsToPresignedUrlsOnlyWhenRedirectDisableIsFalse) {
  const Environment keys = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}};
  const std::string s3 = "storage:\n  s3:\n    bucket: b\n    region: r\n";
  EXPECT_FALSE(load(s3, keys).storage.s3->redirect) << "served through the node by default";
  EXPECT_TRUE(load(s3 + "  redirect:\n    disable: false\n", keys).storage.s3->redirect);
  EXPECT_FALSE(load(s3 + "  redirect:\n    disable: true\n", keys).storage.s3->redirect);
  EXPECT_TRUE(load(s3, {{"AWS_ACCESS_KEY_ID", "AK"},
                        {"AWS_SECRET_ACCESS_KEY", "SK"},
                        {"REGISTRY_STORAGE_REDIRECT_DISABLE", "false"}})
                  .storage.s3->redirect);
}

TEST_F(S3Config, EnvironmentOverridesSelectS3) {
  auto config = load("", {{"REGISTRY_STORAGE", "s3"},
                          {"REGISTRY_STORAGE_S3_BUCKET", "b"},
                          {"REGISTRY_STORAGE_S3_REGION", "r"},
                          {"REGISTRY_STORAGE_S3_ACCESSKEY", "AK"},
                          {"REGISTRY_STORAGE_S3_SECRETKEY", "SK"}});
  ASSERT_TRUE(config.storage.s3);
  EXPECT_EQ(config.storage.s3->bucket, "b");
}

TEST_F(S3Config, MissingOrBadValuesAreNamed) {
  const Environment keys = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}};
  EXPECT_THAT(error_of("storage:\n  s3:\n    region: r\n", keys),
              HasSubstr("storage.s3.bucket: required"));
  EXPECT_THAT(error_of("storage:\n  s3:\n    bucket: b\n", keys),
              HasSubstr("storage.s3.region: required"));
  EXPECT_THAT(error_of("storage:\n  s3:\n    bucket: b\n    region: r\n"),
              HasSubstr("storage.s3.accesskey: accesskey and secretkey are required"));
  EXPECT_THAT(
      error_of("storage:\n  s3:\n    bucket: b\n    region: r\n    regionendpoint: ftp://x\n",
               keys),
      HasSubstr("storage.s3.regionendpoint: must be an http:// or https:// URL"));
  EXPECT_THAT(
      error_of("storage:\n  s3:\n    bucket: b\n    region: r\n    chunksize: 1024\n", keys),
      HasSubstr("storage.s3.chunksize: expected a whole number"));
  EXPECT_THAT(error_of("", {{"REGISTRY_STORAGE", "s3"}}),
              HasSubstr("REGISTRY_STORAGE: s3 needs storage.s3.bucket"));
}

}  // namespace
}  // namespace regcache::config
