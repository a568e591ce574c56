#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "registry/digest.hpp"
#include "registry/registry_error.hpp"

using namespace regcache::registry;

TEST(Digest, ParsesOnlyLowerHexSha256) {
  auto d = Digest::parse("sha256:" + std::string(64, 'f'));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->hex(), std::string(64, 'f'));
  EXPECT_EQ(d->str(), "sha256:" + std::string(64, 'f'));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'F')));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'f')));
  EXPECT_FALSE(Digest::parse("sha512:" + std::string(64, 'f')));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(62, 'f') + "/."));
}

TEST(Digest, GeneralGrammar) {
  EXPECT_TRUE(looks_like_digest("sha512:abc"));
  EXPECT_TRUE(looks_like_digest("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"));
  EXPECT_FALSE(looks_like_digest("latest"));
  EXPECT_FALSE(looks_like_digest(":abc"));
}

TEST(RegistryError, BodyAndStatus) {
  EXPECT_EQ(error_info(ErrorCode::blob_unknown).status, 404u);
  EXPECT_EQ(error_info(ErrorCode::too_many_requests).code, "TOOMANYREQUESTS");
  EXPECT_EQ(error_info(ErrorCode::unsupported).status, 405u);
  auto body = nlohmann::json::parse(error_body(ErrorCode::name_invalid, "bad \"name\""));
  EXPECT_EQ(body["errors"][0]["code"], "NAME_INVALID");
  EXPECT_EQ(body["errors"][0]["message"], "bad \"name\"");
  EXPECT_FALSE(body["errors"][0].contains("detail"));
}
