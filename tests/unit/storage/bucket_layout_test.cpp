#include "storage/bucket_layout.hpp"

#include <gtest/gtest.h>

namespace regcache::storage {
namespace {

const auto kDigest = *registry::Digest::parse(
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

TEST(BucketLayout, KeysOfEachKindOfRecord) {
  BucketLayout layout("mirror/regcache/v1/");
  EXPECT_EQ(layout.pin_key(kDigest), "mirror/regcache/v1/meta/pins/sha256/" + kDigest.hex());
  EXPECT_EQ(layout.manifest_type_key(kDigest),
            "mirror/regcache/v1/meta/manifests/sha256/" + kDigest.hex());
  // Characters S3 implementations sign differently (':' of host:port) become '_'.
  EXPECT_EQ(layout.tag_key("registry:5000", "library/alpine", "3.20"),
            "mirror/regcache/v1/meta/tags/registry_5000/library/alpine/_tag/3.20");
  EXPECT_EQ(BucketLayout::digest_in(layout.pin_key(kDigest), layout.pins()), kDigest);
  EXPECT_FALSE(BucketLayout::digest_in(layout.pin_key(kDigest), layout.blobs()));
  EXPECT_FALSE(BucketLayout::digest_in(layout.pins() + "not-hex", layout.pins()));
}

TEST(BucketLayout, TagRecordsRoundTripAndForeignOnesAreRefused) {
  auto parsed = parse_tag_record(format_tag_record({kDigest, 1764979200}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->digest, kDigest);
  EXPECT_EQ(parsed->validated_at, 1764979200);
  EXPECT_FALSE(parse_tag_record("not json"));
  EXPECT_FALSE(parse_tag_record(R"({"digest": "sha256:zz", "validated_at": 1})"));
  EXPECT_FALSE(parse_tag_record(R"({"digest": ")" + kDigest.str() + R"("})"));
}

}  // namespace
}  // namespace regcache::storage
