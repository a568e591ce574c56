#include "cache/inflight_fetch.hpp"

#include <gtest/gtest.h>

#include "storage/filesystem_content_store.hpp"
#include "support/temp_dir.hpp"

using namespace regcache;
using cache::InflightFetch;

namespace {

registry::Digest digest() { return *registry::Digest::parse("sha256:" + std::string(64, 'c')); }

TEST(InflightFetch, WakesWaitersOnProgressOnce) {
  InflightFetch fetch(digest());
  int woken = 0;
  auto seen = fetch.progress();
  EXPECT_EQ(seen.state, InflightFetch::State::starting);
  fetch.notify_when_changed(seen, [&] { ++woken; });
  EXPECT_EQ(woken, 0);

  test_support::TempDir dir;
  storage::FilesystemContentStore store(dir.path());
  auto staged = store.create_staging();
  ASSERT_TRUE(staged.ok());
  fetch.begin(std::move(staged.value()), 10);
  EXPECT_EQ(woken, 1);
  fetch.advance(5);
  EXPECT_EQ(woken, 1) << "a waiter is woken once per registration";
  EXPECT_EQ(fetch.progress().available, 5u);
  EXPECT_EQ(fetch.progress().total_size, 10u);
  EXPECT_GE(fetch.file_descriptor(), 0);
}

TEST(InflightFetch, AlreadyChangedWakesImmediately) {
  InflightFetch fetch(digest());
  auto seen = fetch.progress();
  fetch.fail({upstream::FailureKind::not_found, 404, "gone", std::nullopt});
  bool woken = false;
  fetch.notify_when_changed(seen, [&] { woken = true; });
  EXPECT_TRUE(woken) << "no lost wake-up when progress happened before registering";
  EXPECT_EQ(fetch.progress().state, InflightFetch::State::failed);
  EXPECT_EQ(fetch.failure()->kind, upstream::FailureKind::not_found);
}

TEST(InflightFetch, CompleteReportsFileSize) {
  test_support::TempDir dir;
  storage::FilesystemContentStore store(dir.path());
  auto staged = store.create_staging();
  ASSERT_TRUE(staged.ok());
  InflightFetch fetch(digest());
  fetch.begin(std::move(staged.value()), std::nullopt);
  ASSERT_FALSE(fetch.staging_file()->append(std::string("12345")));
  fetch.advance(5);
  int woken = 0;
  fetch.notify_when_changed(fetch.progress(), [&] { ++woken; });
  fetch.complete();
  EXPECT_EQ(woken, 1);
  auto p = fetch.progress();
  EXPECT_EQ(p.state, InflightFetch::State::complete);
  EXPECT_EQ(p.total_size, 5u);
  EXPECT_EQ(p.available, 5u);
}

// Streaming clients are released at `verified` (before the fdatasync and the
// publish), and woken again at `complete`.
TEST(InflightFetch, VerifiedReleasesFollowersBeforeComplete) {
  test_support::TempDir dir;
  storage::FilesystemContentStore store(dir.path());
  auto staged = store.create_staging();
  ASSERT_TRUE(staged.ok());
  InflightFetch fetch(digest());
  fetch.begin(std::move(staged.value()), 5u);
  ASSERT_FALSE(fetch.staging_file()->append(std::string("12345")));
  fetch.advance(5);
  int woken = 0;
  fetch.notify_when_changed(fetch.progress(), [&] { ++woken; });
  fetch.verified();
  EXPECT_EQ(woken, 1);
  auto p = fetch.progress();
  EXPECT_EQ(p.state, InflightFetch::State::verified);
  EXPECT_EQ(p.available, 5u);
  fetch.notify_when_changed(p, [&] { ++woken; });
  fetch.complete();
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(fetch.progress().state, InflightFetch::State::complete);
}

}  // namespace
