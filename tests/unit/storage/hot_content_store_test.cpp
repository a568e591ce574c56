#include "storage/hot_content_store.hpp"

#include <gtest/gtest.h>

#include "storage/filesystem_content_store.hpp"
#include "support/temp_dir.hpp"
#include "util/sha256.hpp"

using namespace regcache;

namespace {

class HotContentStoreTest : public ::testing::Test {
 protected:
  registry::Digest put(const std::string& content) {
    auto staged = filesystem_.create_staging();
    EXPECT_TRUE(staged.ok());
    EXPECT_FALSE(staged.value()->append(content));
    auto digest = *registry::Digest::parse("sha256:" + Sha256::hex_of(content));
    EXPECT_FALSE(hot_.publish(*staged.value(), digest));
    return digest;
  }

  test_support::TempDir dir_;
  storage::FilesystemContentStore filesystem_{dir_.path()};
  storage::HotContentStore hot_{filesystem_, /*max_bytes=*/3000, /*max_object=*/1000};
};

TEST_F(HotContentStoreTest, SmallObjectsAreServedFromMemoryOnceOpened) {
  auto digest = put(std::string(800, 'a'));
  auto first = hot_.open(digest);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first.value()->in_memory());
  EXPECT_EQ(*first.value()->in_memory(), std::string(800, 'a'));
  EXPECT_EQ(hot_.bytes_held(), 800u);
  // The copy answers even though the file is gone behind the store's back.
  std::filesystem::remove(filesystem_.path_of(digest));
  auto again = hot_.open(digest);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value()->size(), 800u);
}

TEST_F(HotContentStoreTest, LargeObjectsStayFiles) {
  auto digest = put(std::string(1001, 'b'));
  auto reader = hot_.open(digest);
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE(reader.value()->in_memory());
  EXPECT_GE(reader.value()->native_handle(), 0);
  EXPECT_EQ(hot_.bytes_held(), 0u);
}

TEST_F(HotContentStoreTest, RemovingDropsTheCopy) {
  auto digest = put("gone soon");
  ASSERT_TRUE(hot_.open(digest).ok());
  EXPECT_FALSE(hot_.remove(digest));
  EXPECT_EQ(hot_.bytes_held(), 0u);
  EXPECT_FALSE(hot_.open(digest).ok());
  EXPECT_FALSE(hot_.size_of(digest));
}

TEST_F(HotContentStoreTest, MemoryStaysWithinItsBoundLeastRecentlyUsedFirstOut) {
  auto a = put(std::string(1000, 'a'));
  auto b = put(std::string(1000, 'b'));
  auto c = put(std::string(1000, 'c'));
  for (const auto& d : {a, b, c}) ASSERT_TRUE(hot_.open(d).ok());
  ASSERT_TRUE(hot_.open(a).ok());  // a is now the most recent; b the oldest
  auto d = put(std::string(1000, 'd'));
  ASSERT_TRUE(hot_.open(d).ok());
  EXPECT_EQ(hot_.bytes_held(), 3000u);
  std::filesystem::remove(filesystem_.path_of(b));  // only a copy could still answer for b
  EXPECT_FALSE(hot_.open(b).ok());
  std::filesystem::remove(filesystem_.path_of(a));
  EXPECT_TRUE(hot_.open(a).ok());
}

}  // namespace
