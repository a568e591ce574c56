#include "lifecycle/garbage_collector.hpp"

#include <gtest/gtest.h>

#include "lifecycle/image_remover.hpp"
#include "lifecycle/lifecycle_fixture.hpp"

using namespace regcache;
using lifecycle::ContentRemover;
using lifecycle::GarbageCollector;

namespace {

class GarbageCollectorTest : public ::testing::Test, protected test_support::LifecycleFixture {
 protected:
  ContentRemover remover{store, *index, nullptr};
  GarbageCollector gc{*index, remover, clock};
};

TEST_F(GarbageCollectorTest, SharedBlobStaysWhileAnyRepositoryNeedsIt) {
  auto shared = put("shared layer");
  auto only_a = put("layer of a");
  auto only_b = put("layer of b");
  auto a = put_manifest({shared, only_a}, "a");
  auto b = put_manifest({shared, only_b}, "b");
  index->put_tag("docker.io", "library/a", "1", {a, 1});
  index->put_tag("docker.io", "library/b", "1", {b, 1});

  auto nothing = gc.collect(false);
  EXPECT_TRUE(nothing.manifests.empty());
  EXPECT_TRUE(nothing.blobs.empty());

  // a:1 moves on to a new manifest: the old one and its own layer are garbage.
  auto only_a2 = put("layer of a, v2");
  auto a2 = put_manifest({shared, only_a2}, "a2");
  index->put_tag("docker.io", "library/a", "1", {a2, 2});
  auto report = gc.collect(false);
  ASSERT_EQ(report.manifests.size(), 1u);
  EXPECT_EQ(report.manifests[0].digest, a);
  ASSERT_EQ(report.blobs.size(), 1u);
  EXPECT_EQ(report.blobs[0].digest, only_a);
  for (auto d : {shared, only_b, b, a2, only_a2}) EXPECT_TRUE(cached(d)) << d.str();
  EXPECT_FALSE(has_file(a));
  EXPECT_FALSE(has_file(only_a));
}

TEST_F(GarbageCollectorTest, DryRunRemovesNothing) {
  auto layer = put("layer");
  auto manifest = put_manifest({layer});
  auto report = gc.collect(true);
  EXPECT_EQ(report.manifests.size(), 1u);
  EXPECT_EQ(report.blobs.size(), 1u);
  EXPECT_TRUE(cached(layer));
  EXPECT_TRUE(cached(manifest));
}

TEST_F(GarbageCollectorTest, PinnedManifestsAndIndexChildrenStay) {
  auto layer = put("layer");
  auto child = put_manifest({layer}, "child");
  auto other_layer = put("other layer");
  auto other_child = put_manifest({other_layer}, "other child");
  auto image_index = put_manifest({child, other_child}, "index");
  index->put_tag("docker.io", "library/multi", "latest", {image_index, 1});
  auto pinned_layer = put("pinned layer");
  auto pinned = put_manifest({pinned_layer}, "pinned");
  index->pin("docker.io", "library/pinned", pinned);
  auto loose = put("a blob no manifest references");

  auto report = gc.collect(false);
  EXPECT_TRUE(report.manifests.empty());
  ASSERT_EQ(report.blobs.size(), 1u);
  EXPECT_EQ(report.blobs[0].digest, loose);
  for (auto d : {layer, child, other_layer, other_child, image_index, pinned_layer, pinned}) {
    EXPECT_TRUE(cached(d)) << d.str();
  }
}

TEST_F(GarbageCollectorTest, ParentsGoBeforeChildrenInOnePass) {
  auto layer = put("layer");
  auto child = put_manifest({layer}, "child");
  auto image_index = put_manifest({child}, "index");
  auto report = gc.collect(false);
  EXPECT_EQ(report.manifests.size(), 2u);
  EXPECT_EQ(report.blobs.size(), 1u);
  EXPECT_EQ(index->object_count(), 0u);
  EXPECT_EQ(index->total_bytes(), 0u);
  EXPECT_FALSE(has_file(image_index));
}

TEST_F(GarbageCollectorTest, ContentReferencedAgainMeanwhileStays) {
  auto layer = put("layer");
  auto manifest = put_manifest({layer});
  auto garbage = lifecycle::unreachable_objects(index->snapshot());
  ASSERT_EQ(garbage.size(), 2u);
  // A pull tags the manifest between the decision and the removal.
  index->put_tag("docker.io", "library/x", "1", {manifest, 1});
  for (const auto& object : garbage) {
    EXPECT_EQ(remover.remove(object.digest, {.unreachable = true}), ContentRemover::Outcome::kept);
  }
  EXPECT_TRUE(cached(layer));
  EXPECT_TRUE(cached(manifest));
}

TEST_F(GarbageCollectorTest, ReadersKeepReadingRemovedContent) {
  auto layer = put("still being sent to a client");
  auto reader = store.open(layer).value();
  gc.collect(false);
  EXPECT_FALSE(has_file(layer));
  std::string out(reader->size(), '\0');
  ASSERT_TRUE(reader->read_at(0, std::span<char>(out.data(), out.size())));
  EXPECT_EQ(out, "still being sent to a client");
}

TEST_F(GarbageCollectorTest, RemoveImageKeepsWhatOthersUse) {
  auto shared = put("shared");
  auto own = put("own");
  auto a = put_manifest({shared, own}, "a");
  auto b = put_manifest({shared}, "b");
  index->put_tag("docker.io", "library/a", "1", {a, 1});
  index->put_tag("docker.io", "library/b", "1", {b, 1});
  index->link("docker.io", "library/a", a);

  auto dry = lifecycle::remove_image(*index, remover, {"docker.io", "library/a", "1", {}}, true);
  EXPECT_TRUE(dry.found);
  EXPECT_EQ(dry.collected.manifests.size(), 1u);
  EXPECT_TRUE(cached(a));
  EXPECT_TRUE(index->tag("docker.io", "library/a", "1"));

  auto report =
      lifecycle::remove_image(*index, remover, {"docker.io", "library/a", "1", {}}, false);
  EXPECT_EQ(report.tags.size(), 1u);
  EXPECT_EQ(report.collected.manifests.size(), 1u);
  EXPECT_EQ(report.collected.blobs.size(), 1u);
  EXPECT_FALSE(cached(a));
  EXPECT_FALSE(cached(own));
  EXPECT_TRUE(cached(shared));
  EXPECT_TRUE(cached(b));

  auto missing =
      lifecycle::remove_image(*index, remover, {"docker.io", "library/a", "1", {}}, false);
  EXPECT_FALSE(missing.found);

  auto repo = lifecycle::remove_image(*index, remover, {"docker.io", "library/b", "", {}}, false);
  EXPECT_TRUE(repo.found);
  EXPECT_EQ(index->object_count(), 0u);
}

}  // namespace
