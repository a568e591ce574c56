#include "cli/image_reference.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "cli/platform.hpp"
#include "cli/prefetch.hpp"
#include "support/temp_dir.hpp"

namespace regcache::cli {
namespace {

TEST(ImageReference, ParsesTheForms) {
  auto a = parse_image_reference("alpine");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->repository, "alpine");
  EXPECT_EQ(a->reference, "latest");
  EXPECT_EQ(a->manifest_path(), "/v2/alpine/manifests/latest");

  auto b = parse_image_reference("docker.io/library/alpine:3.20");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->registry, "docker.io");
  EXPECT_EQ(b->repository, "library/alpine");
  EXPECT_EQ(b->manifest_path(), "/v2/library/alpine/manifests/3.20?ns=docker.io");

  const std::string digest = "sha256:" + std::string(64, 'a');
  auto c = parse_image_reference("registry.local:5000/team/app@" + digest);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->registry, "registry.local:5000");
  EXPECT_EQ(c->repository, "team/app");
  EXPECT_TRUE(c->by_digest);
  EXPECT_EQ(c->blob_path(digest), "/v2/team/app/blobs/" + digest + "?ns=registry.local:5000");

  auto d = parse_image_reference("localhost/app:1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->registry, "localhost");
}

TEST(ImageReference, RejectsBadInputWithAReason) {
  EXPECT_FALSE(parse_image_reference(""));
  EXPECT_FALSE(parse_image_reference("Alpine"));
  EXPECT_FALSE(parse_image_reference("alpine@sha256:xyz"));
  auto bad_tag = parse_image_reference("alpine:-bad");
  ASSERT_FALSE(bad_tag);
  EXPECT_NE(bad_tag.error().find("invalid tag"), std::string::npos);
}

TEST(Platform, ParsesAndMatches) {
  auto arm = parse_platform("linux/arm64/v8");
  ASSERT_TRUE(arm);
  auto amd = parse_platform("linux/amd64");
  ASSERT_TRUE(amd);
  EXPECT_FALSE(parse_platform("linux"));
  EXPECT_FALSE(parse_platform("linux//v8"));
  EXPECT_TRUE(platform_matches({}, {"linux", "s390x", ""}));
  EXPECT_TRUE(platform_matches({*amd}, {"linux", "amd64", ""}));
  EXPECT_TRUE(platform_matches({*parse_platform("linux/arm64")}, {"linux", "arm64", "v8"}));
  EXPECT_FALSE(platform_matches({*arm}, {"linux", "arm64", "v7"}));
  EXPECT_FALSE(platform_matches({*amd}, {"linux", "arm64", "v8"}));
}

TEST(ImageList, SkipsBlanksAndComments) {
  test_support::TempDir dir;
  const auto file = dir.path() / "images.txt";
  std::ofstream(file) << "# warm these\nalpine:3.20\n\n  busybox  # the small one\r\n";
  auto images = read_image_list(file);
  ASSERT_TRUE(images);
  EXPECT_EQ(*images, (std::vector<std::string>{"alpine:3.20", "busybox"}));
  EXPECT_FALSE(read_image_list(dir.path() / "missing.txt"));
}

}  // namespace
}  // namespace regcache::cli
