#include "index/cache_index.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

using namespace regcache;
using index::CacheIndex;

namespace {

registry::Digest digest(char c) { return *registry::Digest::parse("sha256:" + std::string(64, c)); }

TEST(CacheIndex, ObjectsLinksAndTagsSurviveReopen) {
  test_support::TempDir dir;
  auto file = dir.path() / "index.sqlite";
  {
    CacheIndex index(file);
    index.put_object({digest('a'), 123, "", 10, 10});
    index.put_object({digest('b'), 45, "application/vnd.oci.image.manifest.v1+json", 11, 11});
    index.link("docker.io", "library/alpine", digest('a'));
    index.put_tag("docker.io", "library/alpine", "3.20", {digest('b'), 99});
  }
  CacheIndex index(file);
  EXPECT_EQ(index.object_count(), 2u);
  auto a = index.object(digest('a'));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size, 123u);
  EXPECT_EQ(index.object(digest('b'))->media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_TRUE(index.linked("docker.io", "library/alpine", digest('a')));
  EXPECT_FALSE(index.linked("docker.io", "library/other", digest('a')));
  EXPECT_FALSE(index.linked("ghcr.io", "library/alpine", digest('a')));
  auto tag = index.tag("docker.io", "library/alpine", "3.20");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->digest, digest('b'));
  EXPECT_EQ(tag->validated_at, 99);
  EXPECT_FALSE(index.tag("docker.io", "library/alpine", "latest"));
}

TEST(CacheIndex, RetaggingReplacesDigest) {
  test_support::TempDir dir;
  CacheIndex index(dir.path() / "index.sqlite");
  index.put_tag("u", "r", "t", {digest('a'), 1});
  index.put_tag("u", "r", "t", {digest('b'), 2});
  EXPECT_EQ(index.tag("u", "r", "t")->digest, digest('b'));
}

TEST(CacheIndex, AccessTimesAreBufferedThenPersisted) {
  test_support::TempDir dir;
  auto file = dir.path() / "index.sqlite";
  {
    CacheIndex index(file);
    index.put_object({digest('a'), 1, "", 10, 10});
    index.touch(digest('a'), 500);
    EXPECT_EQ(index.object(digest('a'))->last_access, 500) << "visible in memory at once";
    index.flush_access_times();
  }
  CacheIndex index(file);
  EXPECT_EQ(index.object(digest('a'))->last_access, 500);
}

TEST(CacheIndex, RemoveForgetsObject) {
  test_support::TempDir dir;
  auto file = dir.path() / "index.sqlite";
  {
    CacheIndex index(file);
    index.put_object({digest('a'), 1, "", 10, 10});
    index.remove_object(digest('a'));
    EXPECT_FALSE(index.object(digest('a')));
  }
  EXPECT_FALSE(CacheIndex(file).object(digest('a')));
}

TEST(CacheIndex, UnopenableFileThrowsClearError) {
  test_support::TempDir dir;
  EXPECT_THROW(CacheIndex(dir.path() / "missing-dir" / "index.sqlite"), std::runtime_error);
}

}  // namespace
