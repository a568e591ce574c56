// The contract every ContentStore backend must meet. A new backend adds its
// factory to kBackends and runs the same suite.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <set>

#include "storage/filesystem_content_store.hpp"
#include "support/temp_dir.hpp"
#include "util/sha256.hpp"

using namespace regcache;
using storage::ContentStore;

namespace {

struct Backend {
  const char* name;
  std::function<std::unique_ptr<ContentStore>(const std::filesystem::path&)> make;
};

const Backend kBackends[] = {
    {"filesystem",
     [](const std::filesystem::path& root) -> std::unique_ptr<ContentStore> {
       return std::make_unique<storage::FilesystemContentStore>(root);
     }},
};

registry::Digest digest_of(const std::string& content) {
  return *registry::Digest::parse("sha256:" + Sha256::hex_of(content));
}

class ContentStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }

  registry::Digest put(const std::string& content) {
    auto staged = store_->create_staging();
    EXPECT_TRUE(staged.ok());
    EXPECT_FALSE(staged.value()->append(content));
    EXPECT_FALSE(staged.value()->sync());
    auto digest = digest_of(content);
    EXPECT_FALSE(store_->publish(*staged.value(), digest));
    return digest;
  }

  std::string read_all(storage::ContentReader& reader) {
    std::string out(reader.size(), '\0');
    auto n = reader.read_at(0, std::span<char>(out.data(), out.size()));
    EXPECT_TRUE(n.ok());
    EXPECT_EQ(n.value(), out.size());
    return out;
  }

  test_support::TempDir dir_;
  std::unique_ptr<ContentStore> store_;
};

TEST_P(ContentStoreConformance, AbsentUntilPublished) {
  const std::string content = "hello layer";
  auto digest = digest_of(content);
  EXPECT_FALSE(store_->size_of(digest));
  auto staged = store_->create_staging();
  ASSERT_TRUE(staged.ok());
  ASSERT_FALSE(staged.value()->append(content));
  EXPECT_EQ(staged.value()->size(), content.size());
  EXPECT_FALSE(store_->size_of(digest)) << "staged content must not be visible";
  EXPECT_FALSE(store_->open(digest).ok());
  ASSERT_FALSE(store_->publish(*staged.value(), digest));
  EXPECT_EQ(store_->size_of(digest), content.size());
}

TEST_P(ContentStoreConformance, ReadBackWholeAndAtOffset) {
  std::string content(300000, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  auto digest = put(content);
  auto reader = store_->open(digest);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader.value()->size(), content.size());
  EXPECT_EQ(read_all(*reader.value()), content);
  char buf[10];
  auto n = reader.value()->read_at(1000, std::span<char>(buf, sizeof buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, n.value()), content.substr(1000, 10));
}

TEST_P(ContentStoreConformance, StagingIsReadableWhileWritten) {
  auto staged = store_->create_staging();
  ASSERT_TRUE(staged.ok());
  ASSERT_FALSE(staged.value()->append(std::string("abc")));
  char buf[3];
  ASSERT_EQ(::pread(staged.value()->native_handle(), buf, 3, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

TEST_P(ContentStoreConformance, DescriptorSurvivesPublish) {
  const std::string content = "follow me";
  auto staged = store_->create_staging();
  ASSERT_TRUE(staged.ok());
  ASSERT_FALSE(staged.value()->append(content));
  ASSERT_FALSE(store_->publish(*staged.value(), digest_of(content)));
  char buf[9];
  ASSERT_EQ(::pread(staged.value()->native_handle(), buf, 9, 0), 9);
  EXPECT_EQ(std::string(buf, 9), content);
}

TEST_P(ContentStoreConformance, DiscardRemovesPartialDataButKeepsDescriptor) {
  auto staged = store_->create_staging();
  ASSERT_TRUE(staged.ok());
  ASSERT_FALSE(staged.value()->append(std::string("partial")));
  staged.value()->discard();
  char buf[7];
  ASSERT_EQ(::pread(staged.value()->native_handle(), buf, 7, 0), 7);
  EXPECT_EQ(std::string(buf, 7), "partial");
  size_t count = 0;
  store_->for_each([&](const registry::Digest&, uint64_t) { ++count; });
  EXPECT_EQ(count, 0u);
}

TEST_P(ContentStoreConformance, OpenReaderSurvivesRemove) {
  auto digest = put("removed while read");
  auto reader = store_->open(digest);
  ASSERT_TRUE(reader.ok());
  ASSERT_FALSE(store_->remove(digest));
  EXPECT_FALSE(store_->size_of(digest));
  EXPECT_EQ(read_all(*reader.value()), "removed while read");
  EXPECT_FALSE(store_->remove(digest)) << "removing an absent object is not an error";
}

TEST_P(ContentStoreConformance, AbandonedStagingIsDiscarded) {
  {
    auto staged = store_->create_staging();
    ASSERT_TRUE(staged.ok());
    ASSERT_FALSE(staged.value()->append(std::string("partial")));
  }  // destroyed unpublished
  auto kept = store_->create_staging();
  ASSERT_TRUE(kept.ok());
  store_->remove_abandoned_staging();  // as at start-up, after a crash
  size_t count = 0;
  store_->for_each([&](const registry::Digest&, uint64_t) { ++count; });
  EXPECT_EQ(count, 0u);
}

TEST_P(ContentStoreConformance, ForEachListsPublished) {
  std::set<std::string> expected = {put("one").hex(), put("two").hex(), put("three").hex()};
  std::set<std::string> seen;
  store_->for_each([&](const registry::Digest& d, uint64_t size) {
    seen.insert(d.hex());
    EXPECT_GT(size, 0u);
  });
  EXPECT_EQ(seen, expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, ContentStoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(FilesystemContentStore, UnpublishedStagingLeavesNoFile) {
  test_support::TempDir dir;
  storage::FilesystemContentStore store(dir.path());
  { auto staged = store.create_staging(); }
  EXPECT_TRUE(std::filesystem::is_empty(store.data_dir() / "staging"));
}

}  // namespace
