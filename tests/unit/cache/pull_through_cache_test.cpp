#include "cache/pull_through_cache.hpp"

#include <gtest/gtest.h>

#include <future>

#include "cache/fake_upstream.hpp"
#include "storage/filesystem_content_store.hpp"
#include "support/temp_dir.hpp"

using namespace regcache;
using cache::CacheOutcome;
using cache::InflightFetch;
using registry::Digest;

namespace {

class ManualClock final : public Clock {
 public:
  int64_t now_seconds() const override { return now; }
  int64_t now = 1'000'000;
};

class PullThroughCacheTest : public ::testing::Test {
 protected:
  PullThroughCacheTest()
      : store_(dir_.path()),
        index_(store_.data_dir() / "index.sqlite"),
        fetcher_(store_, index_, workers_, clock_),
        cache_(store_, index_, fetcher_, workers_, clock_) {}
  ~PullThroughCacheTest() override {
    upstream_.release_downloads();
    workers_.join();
  }

  template <class T>
  T run(asio::awaitable<T> operation) {
    auto result = asio::co_spawn(io_, std::move(operation), asio::use_future);
    io_.restart();
    for (int i = 0; i < 5000 && result.wait_for(std::chrono::seconds(0)) != std::future_status::ready; ++i) {
      io_.run_for(std::chrono::milliseconds(2));
    }
    return result.get();
  }

  // Blocks until the download ends (complete or failed), without sleeping.
  static InflightFetch::State wait_done(InflightFetch& fetch) {
    while (true) {
      auto seen = fetch.progress();
      if (seen.state == InflightFetch::State::complete || seen.state == InflightFetch::State::failed) {
        return seen.state;
      }
      std::promise<void> changed;
      fetch.notify_when_changed(seen, [&changed] { changed.set_value(); });
      changed.get_future().wait();
    }
  }

  cache::BlobLookup blob(const std::string& repo, const std::string& digest, bool head = false) {
    return run(cache_.blob(upstream_, repo, *Digest::parse(digest), head));
  }
  cache::ManifestLookup manifest(const std::string& repo, const std::string& ref) {
    return run(cache_.manifest(upstream_, repo, ref, ref.starts_with("sha256:")));
  }

  test_support::TempDir dir_;
  test_support::FakeUpstream upstream_;
  ManualClock clock_;
  asio::io_context io_;
  asio::thread_pool workers_{4};
  storage::FilesystemContentStore store_;
  index::CacheIndex index_;
  cache::BlobFetcher fetcher_;
  cache::PullThroughCache cache_;
};

TEST_F(PullThroughCacheTest, MissThenHitWithOneUpstreamFetch) {
  auto digest = upstream_.add_blob("library/a", std::string(100000, 'x'));
  auto first = blob("library/a", digest);
  ASSERT_FALSE(first.error);
  EXPECT_EQ(first.outcome, CacheOutcome::miss);
  ASSERT_TRUE(first.fetch);
  EXPECT_EQ(wait_done(*first.fetch), InflightFetch::State::complete);
  EXPECT_EQ(store_.size_of(*Digest::parse(digest)), 100000u);
  EXPECT_TRUE(index_.object(*Digest::parse(digest)));

  auto second = blob("library/a", digest);
  EXPECT_EQ(second.outcome, CacheOutcome::hit);
  ASSERT_TRUE(second.cached);
  EXPECT_EQ(second.cached->size(), 100000u);
  EXPECT_EQ(upstream_.blob_fetches(), 1);
}

TEST_F(PullThroughCacheTest, ConcurrentMissesShareOneDownload) {
  auto digest = upstream_.add_blob("library/a", std::string(4096, 'y'));
  upstream_.hold_downloads();
  auto first = blob("library/a", digest);
  auto second = blob("library/a", digest);
  auto third = blob("library/a", digest);
  EXPECT_EQ(first.outcome, CacheOutcome::miss);
  EXPECT_EQ(second.outcome, CacheOutcome::coalesced);
  EXPECT_EQ(third.outcome, CacheOutcome::coalesced);
  EXPECT_EQ(first.fetch, second.fetch);
  EXPECT_EQ(first.fetch, third.fetch);
  upstream_.release_downloads();
  EXPECT_EQ(wait_done(*first.fetch), InflightFetch::State::complete);
  EXPECT_EQ(upstream_.blob_fetches(), 1);
  EXPECT_EQ(upstream_.blob_heads(), 0) << "joiners from the same repository need no confirmation";
}

TEST_F(PullThroughCacheTest, MismatchedContentIsNeverPublished) {
  auto digest = upstream_.add_blob("library/a", "the real content");
  upstream_.corrupt(digest, "something else!!");
  auto found = blob("library/a", digest);
  ASSERT_TRUE(found.fetch);
  EXPECT_EQ(wait_done(*found.fetch), InflightFetch::State::failed);
  EXPECT_EQ(found.fetch->failure()->kind, upstream::FailureKind::protocol);
  EXPECT_FALSE(store_.size_of(*Digest::parse(digest)));
  EXPECT_FALSE(index_.object(*Digest::parse(digest)));
  EXPECT_TRUE(std::filesystem::is_empty(store_.data_dir() / "staging"))
      << "a failed download leaves no partial file, even while followers hold it";
}

TEST_F(PullThroughCacheTest, UpstreamNotFoundBecomesBlobUnknown) {
  auto digest = "sha256:" + std::string(64, '0');
  auto found = blob("library/a", digest);
  ASSERT_TRUE(found.fetch);
  EXPECT_EQ(wait_done(*found.fetch), InflightFetch::State::failed);
  auto error = cache::to_cache_error(*found.fetch->failure(), "fake.io", registry::ErrorCode::blob_unknown);
  EXPECT_EQ(error.code, registry::ErrorCode::blob_unknown);
}

TEST_F(PullThroughCacheTest, BlobOfAnotherRepositoryNeedsUpstreamConfirmation) {
  auto digest = upstream_.add_blob("private/a", "secret layer");
  auto first = blob("private/a", digest);
  ASSERT_TRUE(first.fetch);
  ASSERT_EQ(wait_done(*first.fetch), InflightFetch::State::complete);

  auto other = blob("someone/else", digest);
  ASSERT_TRUE(other.error) << "a cached private layer must not leak to another repository";
  EXPECT_EQ(other.error->code, registry::ErrorCode::blob_unknown);

  upstream_.add_blob("public/b", "secret layer");  // same content, also in public/b
  auto shared = blob("public/b", digest);
  EXPECT_EQ(shared.outcome, CacheOutcome::hit) << "confirmed by upstream, served from cache";
  EXPECT_EQ(upstream_.blob_fetches(), 1);
}

TEST_F(PullThroughCacheTest, HeadOfUncachedBlobDoesNotDownload) {
  auto digest = upstream_.add_blob("library/a", "abc");
  auto head = blob("library/a", digest, /*head=*/true);
  ASSERT_FALSE(head.error);
  EXPECT_EQ(head.size, 3u);
  EXPECT_EQ(upstream_.blob_fetches(), 0);
  EXPECT_EQ(upstream_.blob_heads(), 1);
}

TEST_F(PullThroughCacheTest, TagIsServedFromCacheWhileFreshAndRevalidatedAfter) {
  auto layer = upstream_.add_blob("library/app", "layer-bytes");
  auto body = R"({"schemaVersion":2,"layers":[{"digest":")" + layer + R"("}]})";
  auto digest = upstream_.add_manifest("library/app", "1", body);

  auto first = manifest("library/app", "1");
  ASSERT_FALSE(first.error);
  EXPECT_EQ(first.outcome, CacheOutcome::miss);
  EXPECT_EQ(first.digest, digest);
  EXPECT_EQ(first.media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_TRUE(index_.linked("fake.io", "library/app", *Digest::parse(layer)))
      << "layers of a cached manifest belong to its repository";

  auto fresh = manifest("library/app", "1");
  EXPECT_EQ(fresh.outcome, CacheOutcome::hit);
  EXPECT_EQ(upstream_.manifest_heads() + upstream_.manifest_gets(), 2) << "no upstream call while fresh";

  clock_.now += 61;
  auto revalidated = manifest("library/app", "1");
  EXPECT_EQ(revalidated.outcome, CacheOutcome::hit);
  EXPECT_EQ(upstream_.manifest_heads(), 2);
  EXPECT_EQ(upstream_.manifest_gets(), 1) << "same digest upstream: no GET";

  auto retagged = upstream_.add_manifest("library/app", "1", R"({"schemaVersion":2,"layers":[]})");
  clock_.now += 61;
  auto moved = manifest("library/app", "1");
  EXPECT_EQ(moved.outcome, CacheOutcome::miss);
  EXPECT_EQ(moved.digest, retagged);
}

TEST_F(PullThroughCacheTest, StaleTagIsServedWhenUpstreamIsDown) {
  auto digest = upstream_.add_manifest("library/app", "1", R"({"schemaVersion":2})");
  ASSERT_FALSE(manifest("library/app", "1").error);
  upstream_.set_down(true);
  clock_.now += 3600;
  auto stale = manifest("library/app", "1");
  ASSERT_FALSE(stale.error);
  EXPECT_EQ(stale.outcome, CacheOutcome::stale);
  EXPECT_EQ(stale.digest, digest);

  auto by_digest = manifest("library/app", digest);
  ASSERT_FALSE(by_digest.error);
  EXPECT_EQ(by_digest.outcome, CacheOutcome::hit);

  auto unknown = manifest("library/app", "2");
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->code, registry::ErrorCode::unavailable);
}

TEST_F(PullThroughCacheTest, ManifestByDigestIsVerifiedAndCached) {
  auto digest = upstream_.add_manifest("library/app", "1", R"({"schemaVersion":2})");
  auto first = manifest("library/app", digest);
  ASSERT_FALSE(first.error);
  EXPECT_EQ(first.outcome, CacheOutcome::miss);
  upstream_.set_down(true);
  auto second = manifest("library/app", digest);
  ASSERT_FALSE(second.error);
  EXPECT_EQ(second.outcome, CacheOutcome::hit);
}

// One cache, several upstreams: content is stored once by digest, but a
// repository of one upstream is never served what only another upstream has,
// even under the same repository name.
TEST_F(PullThroughCacheTest, UpstreamsShareContentButNotRepositories) {
  test_support::FakeUpstream other;
  other.mutable_config().name = "other.io";

  auto layer = upstream_.add_blob("team/app", "private layer of fake.io");
  auto first = blob("team/app", layer);
  ASSERT_TRUE(first.fetch);
  ASSERT_EQ(wait_done(*first.fetch), InflightFetch::State::complete);

  auto refused = run(cache_.blob(other, "team/app", *Digest::parse(layer), false));
  ASSERT_TRUE(refused.error) << "same repository name, other upstream: not confirmed";
  EXPECT_EQ(refused.error->code, registry::ErrorCode::blob_unknown);
  EXPECT_EQ(other.blob_heads(), 1) << "the other upstream was asked";
  EXPECT_EQ(other.blob_fetches(), 0);

  other.add_blob("mirror/app", "private layer of fake.io");  // same bytes, other upstream
  auto shared = run(cache_.blob(other, "mirror/app", *Digest::parse(layer), false));
  ASSERT_FALSE(shared.error);
  EXPECT_EQ(shared.outcome, CacheOutcome::hit) << "one copy serves both upstreams";
  EXPECT_EQ(other.blob_fetches(), 0);
  EXPECT_EQ(upstream_.blob_fetches(), 1);

  // Tags are per upstream: the same repository and tag may mean different images.
  auto mine = upstream_.add_manifest("team/app", "1", R"({"schemaVersion":2,"mine":1})");
  auto theirs = other.add_manifest("team/app", "1", R"({"schemaVersion":2,"theirs":1})");
  EXPECT_EQ(manifest("team/app", "1").digest, mine);
  EXPECT_EQ(run(cache_.manifest(other, "team/app", "1", false)).digest, theirs);
  auto by_digest = run(cache_.manifest(other, "team/app", mine, true));
  ASSERT_TRUE(by_digest.error) << "a cached manifest of fake.io is not other.io's";
  EXPECT_EQ(by_digest.error->code, registry::ErrorCode::manifest_unknown);
}

}  // namespace
