#include "lifecycle/reconciler.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "lifecycle/lifecycle_fixture.hpp"

using namespace regcache;

namespace {

class ReconcilerTest : public ::testing::Test, protected test_support::LifecycleFixture {};

TEST_F(ReconcilerTest, ConsistentCacheIsLeftAlone) {
  auto a = put("aaaa");
  auto m = put_manifest({a});
  auto report = lifecycle::reconcile(*index, store);
  EXPECT_EQ(report.files, 2u);
  EXPECT_EQ(report.forgotten, 0u);
  EXPECT_EQ(report.orphans_removed, 0u);
  EXPECT_TRUE(cached(a));
  EXPECT_TRUE(cached(m));
}

TEST_F(ReconcilerTest, RemovesTemporaryFilesOfUnfinishedDownloads) {
  put("kept");
  auto staging_dir = store.data_dir() / "staging";
  std::ofstream(staging_dir / "abandoned.part") << "half a blob";
  lifecycle::reconcile(*index, store);
  EXPECT_TRUE(std::filesystem::is_empty(staging_dir));
}

TEST_F(ReconcilerTest, ForgetsEntriesWhoseFileIsGoneOrIncomplete) {
  auto gone = put("gone");
  auto truncated = put("truncated content");
  auto fine = put("fine");
  std::filesystem::remove(store.path_of(gone));
  std::filesystem::resize_file(store.path_of(truncated), 3);
  auto report = lifecycle::reconcile(*index, store);
  EXPECT_EQ(report.forgotten, 2u);
  EXPECT_EQ(report.orphans_removed, 0u);
  EXPECT_FALSE(index->object(gone));
  EXPECT_FALSE(index->object(truncated));
  EXPECT_FALSE(has_file(truncated)) << "an incomplete file is deleted too";
  EXPECT_TRUE(cached(fine));
  reopen_index();  // persisted, not just in memory
  EXPECT_FALSE(index->object(gone));
  EXPECT_EQ(index->object_count(), 1u);
  EXPECT_EQ(index->total_bytes(), 4u);
}

TEST_F(ReconcilerTest, DeletesFilesTheIndexDoesNotKnow) {
  auto orphan = write_file("published, then the process died before indexing");
  auto known = put("known");
  auto report = lifecycle::reconcile(*index, store);
  EXPECT_EQ(report.orphans_removed, 1u);
  EXPECT_FALSE(has_file(orphan));
  EXPECT_TRUE(cached(known));
}

TEST_F(ReconcilerTest, BackfillsReferencesOfOlderManifests) {
  auto layer = put("layer");
  // A manifest indexed without refs (as an older regcache stored it).
  std::string body = R"({"schemaVersion":2,"layers":[{"digest":")" + layer.str() + R"("}]})";
  auto manifest = write_file(body);
  index->put_object({manifest, body.size(), "application/vnd.oci.image.manifest.v1+json", 1, 1});
  ASSERT_FALSE(index->has_refs(manifest));
  auto report = lifecycle::reconcile(*index, store);
  EXPECT_EQ(report.refs_backfilled, 1u);
  auto refs = index->snapshot().refs.at(manifest.hex());
  EXPECT_EQ(refs, std::vector<registry::Digest>{layer});
}

TEST_F(ReconcilerTest, ManyBlobsInOnePass) {
  for (int i = 0; i < 500; ++i) put("blob " + std::to_string(i));
  for (int i = 0; i < 20; ++i) write_file("orphan " + std::to_string(i));
  for (int i = 0; i < 20; ++i)
    std::filesystem::remove(store.path_of(
        *registry::Digest::parse("sha256:" + Sha256::hex_of("blob " + std::to_string(i)))));
  auto report = lifecycle::reconcile(*index, store);
  EXPECT_EQ(report.files, 500u);
  EXPECT_EQ(report.forgotten, 20u);
  EXPECT_EQ(report.orphans_removed, 20u);
  EXPECT_EQ(index->object_count(), 480u);
}

}  // namespace
