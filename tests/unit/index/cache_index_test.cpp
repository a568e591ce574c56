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

TEST(CacheIndex, RefsPinsAndTotalsSurviveReopen) {
  test_support::TempDir dir;
  auto file = dir.path() / "index.sqlite";
  {
    CacheIndex index(file);
    index.put_object({digest('a'), 100, "", 1, 1});
    index.put_object({digest('e'), 10, "application/vnd.oci.image.manifest.v1+json", 1, 1});
    index.add_refs(digest('e'), {digest('a'), digest('b')});
    index.add_refs(digest('e'), {digest('a')});  // idempotent
    index.pin("docker.io", "library/x", digest('e'));
    EXPECT_EQ(index.total_bytes(), 110u);
  }
  CacheIndex index(file);
  EXPECT_EQ(index.total_bytes(), 110u);
  auto snapshot = index.snapshot();
  EXPECT_EQ(snapshot.refs.at(digest('e').hex()),
            (std::vector<registry::Digest>{digest('a'), digest('b')}));
  ASSERT_EQ(snapshot.pins.size(), 1u);
  EXPECT_EQ(snapshot.pins[0].repository, "library/x");
  index.unpin("docker.io", "library/x", digest('e'));
  EXPECT_TRUE(index.snapshot().pins.empty());
}

TEST(CacheIndex, RemovalConditionsAreCheckedAtRemoval) {
  test_support::TempDir dir;
  CacheIndex index(dir.path() / "index.sqlite");
  index.put_object({digest('a'), 1, "", 10, 10});
  index.put_object({digest('e'), 1, "application/vnd.oci.image.manifest.v1+json", 10, 10});
  index.add_refs(digest('e'), {digest('a')});
  index.put_tag("u", "r", "t", {digest('e'), 1});

  EXPECT_FALSE(index.remove_object_if(digest('a'), {.unreachable = true})) << "referenced";
  EXPECT_FALSE(index.remove_object_if(digest('e'), {.unreachable = true})) << "tagged";
  EXPECT_TRUE(index.reachable_from_tag(digest('a')));
  index.touch(digest('a'), 50);
  EXPECT_FALSE(index.remove_object_if(digest('a'), {.idle_before = 20})) << "used since";
  EXPECT_TRUE(index.remove_object_if(digest('a'), {.idle_before = 51}));
  EXPECT_EQ(index.total_bytes(), 1u);

  index.remove_tag("u", "r", "t");
  EXPECT_FALSE(index.reachable_from_tag(digest('e')));
  EXPECT_TRUE(index.remove_object_if(digest('e'), {.unreachable = true}));
  EXPECT_EQ(index.object_count(), 0u);
  EXPECT_EQ(index.total_bytes(), 0u);
  EXPECT_TRUE(index.snapshot().refs.empty()) << "refs go with their manifest";
}

TEST(CacheIndex, RetaggingMovesReachability) {
  test_support::TempDir dir;
  CacheIndex index(dir.path() / "index.sqlite");
  index.put_object({digest('e'), 1, "application/vnd.oci.image.manifest.v1+json", 1, 1});
  index.put_object({digest('f'), 1, "application/vnd.oci.image.manifest.v1+json", 1, 1});
  index.put_tag("u", "r", "t", {digest('e'), 1});
  index.put_tag("u", "r", "t", {digest('f'), 2});
  EXPECT_FALSE(index.reachable_from_tag(digest('e')));
  EXPECT_TRUE(index.reachable_from_tag(digest('f')));
  EXPECT_TRUE(index.remove_object_if(digest('e'), {.unreachable = true}));
  EXPECT_FALSE(index.remove_object_if(digest('f'), {.unreachable = true}));
}

TEST(CacheIndex, UnopenableFileThrowsClearError) {
  test_support::TempDir dir;
  EXPECT_THROW(CacheIndex(dir.path() / "missing-dir" / "index.sqlite"), std::runtime_error);
}

}  // namespace
