// The contract every ContentStore backend must meet. A new backend adds its
// factory to kBackends and runs the same suite.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <set>

#include "storage/filesystem_content_store.hpp"
#include "storage/hot_content_store.hpp"
#include "storage/local_cached_store.hpp"
#include "storage/s3_content_store.hpp"
#include "support/s3_environment.hpp"
#include "support/temp_dir.hpp"
#include "util/sha256.hpp"

using namespace regcache;
using storage::ContentStore;

namespace {

// The S3 store with local copies in front (regcache.s3_local_cache), owning both.
class S3WithLocalCopies final : public ContentStore {
 public:
  S3WithLocalCopies(const storage::S3Settings& settings, const std::filesystem::path& root)
      : remote_(settings, root), cached_(remote_, root, 64 * 1024 * 1024) {}
  std::optional<uint64_t> size_of(const registry::Digest& d) override { return cached_.size_of(d); }
  Result<std::unique_ptr<storage::ContentReader>, std::error_code> open(
      const registry::Digest& d) override {
    return cached_.open(d);
  }
  Result<std::unique_ptr<storage::StagingFile>, std::error_code> create_staging() override {
    return cached_.create_staging();
  }
  std::error_code publish(storage::StagingFile& f, const registry::Digest& d) override {
    return cached_.publish(f, d);
  }
  std::error_code remove(const registry::Digest& d) override { return cached_.remove(d); }
  void for_each(const std::function<void(const registry::Digest&, uint64_t)>& v) override {
    cached_.for_each(v);
  }
  void remove_abandoned_staging() override { cached_.remove_abandoned_staging(); }

 private:
  storage::S3ContentStore remote_;
  storage::LocalCachedStore cached_;
};

storage::S3Settings conformance_settings(const std::filesystem::path& root) {
  auto settings = *test_support::s3_settings_from_environment();
  settings.root_directory = "conformance/" + root.filename().string();
  settings.part_size = 5 * 1024 * 1024;
  return settings;
}

struct Backend {
  const char* name;
  std::function<std::unique_ptr<ContentStore>(const std::filesystem::path&)> make;
  // Why this backend cannot run here (empty: it can).
  std::function<std::string()> unavailable = [] { return std::string(); };
};

// The memory copy in front of the filesystem: owns the store it wraps (a base
// initialized before HotContentStore).
struct FilesystemHolder {
  explicit FilesystemHolder(const std::filesystem::path& root) : filesystem(root) {}
  storage::FilesystemContentStore filesystem;
};
struct HotOverFilesystem : private FilesystemHolder, public storage::HotContentStore {
  explicit HotOverFilesystem(const std::filesystem::path& root)
      : FilesystemHolder(root), HotContentStore(filesystem, 64 * 1024, 16 * 1024) {}
};

const Backend kBackends[] = {
    {"hot_over_filesystem",
     [](const std::filesystem::path& root) -> std::unique_ptr<ContentStore> {
       return std::make_unique<HotOverFilesystem>(root);
     }},
    {"filesystem",
     [](const std::filesystem::path& root) -> std::unique_ptr<ContentStore> {
       return std::make_unique<storage::FilesystemContentStore>(root);
     }},
    // A real S3 store (Ceph RGW started by scripts/test.sh); each test uses its
    // own key prefix, named after its temporary directory.
    {"s3",
     [](const std::filesystem::path& root) -> std::unique_ptr<ContentStore> {
       auto settings = *test_support::s3_settings_from_environment();
       settings.root_directory = "conformance/" + root.filename().string();
       settings.part_size = 5 * 1024 * 1024;
       return std::make_unique<storage::S3ContentStore>(settings, root);
     },
     [] { return test_support::s3_unavailable_reason(); }},
    {"s3_local_copies",
     [](const std::filesystem::path& root) -> std::unique_ptr<ContentStore> {
       return std::make_unique<S3WithLocalCopies>(conformance_settings(root), root);
     },
     [] { return test_support::s3_unavailable_reason(); }},
};

registry::Digest digest_of(const std::string& content) {
  return *registry::Digest::parse("sha256:" + Sha256::hex_of(content));
}

class ContentStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (auto why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    store_ = GetParam().make(dir_.path());
  }

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

// Larger than the S3 backend's part size here: goes up as a multipart upload,
// streamed from the staging file.
TEST_P(ContentStoreConformance, LargeObjectRoundTrip) {
  std::string content(12 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 31) ^ (i >> 12));
  auto digest = put(content);
  EXPECT_EQ(store_->size_of(digest), content.size());
  auto reader = store_->open(digest);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(read_all(*reader.value()), content);
  // across the first part boundary (5 MiB)
  std::string across(100, '\0');
  auto n = reader.value()->read_at(5 * 1024 * 1024 - 50, std::span<char>(across.data(), 100));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(across.substr(0, n.value()), content.substr(5 * 1024 * 1024 - 50, 100));
}

TEST_P(ContentStoreConformance, ReadPastEndReturnsNothing) {
  auto digest = put("short");
  auto reader = store_->open(digest);
  ASSERT_TRUE(reader.ok());
  char buf[8];
  auto n = reader.value()->read_at(5, std::span<char>(buf, sizeof buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 0u);
  n = reader.value()->read_at(2, std::span<char>(buf, sizeof buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, n.value()), "ort");
}

INSTANTIATE_TEST_SUITE_P(Backends, ContentStoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(FilesystemContentStore, UnpublishedStagingLeavesNoFile) {
  test_support::TempDir dir;
  storage::FilesystemContentStore store(dir.path());
  { auto staged = store.create_staging(); }
  EXPECT_TRUE(std::filesystem::is_empty(store.data_dir() / "staging"));
}

// The store checks the body against the digest it is published under: a
// mismatch (a caller bug or corruption on the way) leaves nothing visible.
TEST(S3ContentStore, RefusesBodyThatDoesNotMatchItsDigest) {
  if (auto why = test_support::s3_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  test_support::TempDir dir;
  auto settings = *test_support::s3_settings_from_environment();
  settings.root_directory = "conformance/" + dir.path().filename().string();
  storage::S3ContentStore store(settings, dir.path());
  auto staged = store.create_staging();
  ASSERT_TRUE(staged.ok());
  ASSERT_FALSE(staged.value()->append(std::string("the real bytes")));
  auto wrong = digest_of("other bytes");
  EXPECT_TRUE(store.publish(*staged.value(), wrong));
  EXPECT_FALSE(store.size_of(wrong));
}

TEST(S3ContentStore, UnreachableStoreIsAClearStartUpError) {
  test_support::TempDir dir;
  storage::S3Settings settings;
  settings.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  settings.bucket = "b";
  settings.access_key = "a";
  settings.secret_key = "s";
  try {
    storage::S3ContentStore store(settings, dir.path());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot use S3 bucket b at http://127.0.0.1:1"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace

// Local copies: what a node published is read from local disk (a descriptor for
// sendfile); another node on the same prefix reads it from the bucket first and
// keeps a local copy once it has read it whole and the digest matched.
TEST(LocalCachedStore, ServesLocalCopiesAndKeepsWhatItReadWholeFromTheBucket) {
  if (auto why = test_support::s3_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  test_support::TempDir first_root, second_root;
  const auto settings = conformance_settings(first_root.path());
  storage::S3ContentStore first_remote(settings, first_root.path());
  storage::LocalCachedStore first(first_remote, first_root.path(), 1 << 20);
  const std::string content(300 * 1024, 'x');
  const auto digest = digest_of(content);
  auto staged = first.create_staging();
  ASSERT_TRUE(staged.ok());
  ASSERT_FALSE(staged.value()->append(content));
  ASSERT_FALSE(first.publish(*staged.value(), digest));
  auto local = first.open(digest);
  ASSERT_TRUE(local.ok());
  EXPECT_GE(local.value()->native_handle(), 0);

  storage::S3ContentStore second_remote(settings, second_root.path());
  storage::LocalCachedStore second(second_remote, second_root.path(), 1 << 20);
  EXPECT_EQ(second.local_bytes(), 0u);
  {
    auto remote = second.open(digest);
    ASSERT_TRUE(remote.ok());
    EXPECT_EQ(remote.value()->native_handle(), -1);
    std::string chunk(64 * 1024, '\0');
    for (uint64_t at = 0; at < content.size();) {
      auto got = remote.value()->read_at(at, std::span<char>(chunk.data(), chunk.size()));
      ASSERT_TRUE(got.ok());
      ASSERT_GT(got.value(), 0u);
      at += got.value();
    }
  }
  EXPECT_EQ(second.local_bytes(), content.size());
  auto copied = second.open(digest);
  ASSERT_TRUE(copied.ok());
  EXPECT_GE(copied.value()->native_handle(), 0);

  // Bounded: a larger blob pushes the least recently used copy out.
  const std::string big(900 * 1024, 'y');
  auto big_staged = second.create_staging();
  ASSERT_TRUE(big_staged.ok());
  ASSERT_FALSE(big_staged.value()->append(big));
  ASSERT_FALSE(second.publish(*big_staged.value(), digest_of(big)));
  EXPECT_EQ(second.local_bytes(), big.size());
  auto from_bucket = second.open(digest);
  ASSERT_TRUE(from_bucket.ok());
  EXPECT_EQ(from_bucket.value()->native_handle(), -1);
}
