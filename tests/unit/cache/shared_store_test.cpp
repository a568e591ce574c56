// Two nodes (each its own index, fetcher and cache) on one content store, with
// in-memory stand-ins for the Redis leases and the catalog on the bucket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <map>
#include <mutex>

#include "cache/fake_upstream.hpp"
#include "cache/fetch_coordinator.hpp"
#include "cache/pull_through_cache.hpp"
#include "cache/shared_catalog.hpp"
#include "storage/filesystem_content_store.hpp"
#include "support/temp_dir.hpp"

using namespace regcache;
using cache::CacheOutcome;
using cache::FetchCoordinator;
using cache::InflightFetch;
using registry::Digest;

namespace {

class ManualClock final : public Clock {
 public:
  int64_t now_seconds() const override { return now; }
  int64_t now = 1'000'000;
};

// The leases of every node (what Redis holds).
struct Leases {
  std::mutex mutex;
  std::map<std::string, int> holder;  // digest hex -> node
  bool down = false;
  int claims = 0;
};

class FakeCoordinator final : public FetchCoordinator {
 public:
  FakeCoordinator(Leases& leases, int node) : leases_(leases), node_(node) {}
  Claim claim(const Digest& digest) override {
    std::lock_guard lock(leases_.mutex);
    ++leases_.claims;
    if (leases_.down) return Claim::unavailable;
    auto [it, inserted] = leases_.holder.try_emplace(digest.hex(), node_);
    return inserted ? Claim::won : Claim::held_elsewhere;
  }
  void release(const Digest& digest) override {
    std::lock_guard lock(leases_.mutex);
    auto it = leases_.holder.find(digest.hex());
    if (it != leases_.holder.end() && it->second == node_) leases_.holder.erase(it);
  }
  // What following the holder's download does (default: cannot follow).
  std::function<Followed(upstream::BlobSink&)> follow;
  Followed follow_holder(const Digest&, upstream::BlobSink& sink, const std::stop_token&) override {
    return follow ? follow(sink) : Followed{};
  }

 private:
  Leases& leases_;
  int node_;
};

class FakeCatalog final : public cache::SharedCatalog {
 public:
  std::optional<cache::SharedTag> tag(const std::string& upstream, const std::string& repository,
                                      const std::string& tag) override {
    std::lock_guard lock(mutex_);
    auto it = tags_.find(upstream + "/" + repository + ":" + tag);
    if (it == tags_.end()) return std::nullopt;
    return it->second;
  }
  void put_tag(const std::string& upstream, const std::string& repository, const std::string& tag,
               const cache::SharedTag& value) override {
    std::lock_guard lock(mutex_);
    tags_.insert_or_assign(upstream + "/" + repository + ":" + tag, value);
  }
  std::optional<std::string> manifest_type(const Digest& digest) override {
    std::lock_guard lock(mutex_);
    auto it = types_.find(digest.hex());
    if (it == types_.end()) return std::nullopt;
    return it->second;
  }
  void put_manifest_type(const Digest& digest, const std::string& media_type) override {
    std::lock_guard lock(mutex_);
    types_[digest.hex()] = media_type;
  }
  void put_pin(const std::string& upstream, const std::string& repository,
               const Digest& digest) override {
    std::lock_guard lock(mutex_);
    pin_puts_.push_back(upstream + "/" + repository + "@" + digest.str());
  }
  void remove_tag(const std::string& upstream, const std::string& repository,
                  const std::string& tag) override {
    std::lock_guard lock(mutex_);
    tags_.erase(upstream + "/" + repository + ":" + tag);
  }
  void remove_pin(const Digest&) override {}
  size_t entries() {
    std::lock_guard lock(mutex_);
    return tags_.size() + types_.size();
  }
  std::vector<std::string> pin_puts() {
    std::lock_guard lock(mutex_);
    return pin_puts_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, cache::SharedTag> tags_;
  std::map<std::string, std::string> types_;
  std::vector<std::string> pin_puts_;
};

struct Node {
  Node(storage::ContentStore& store, const std::filesystem::path& index_path,
       asio::thread_pool& workers, const Clock& clock, Leases& leases, FakeCatalog& catalog, int id)
      : index(index_path),
        fetcher(store, index, workers, clock),
        cache(store, index, fetcher, workers, clock),
        coordinator(leases, id) {
    fetcher.use_coordinator(&coordinator);
    cache.share(&catalog);
  }
  index::CacheIndex index;
  cache::BlobFetcher fetcher;
  cache::PullThroughCache cache;
  FakeCoordinator coordinator;
};

class SharedStoreTest : public ::testing::Test {
 protected:
  SharedStoreTest()
      : store_(dir_.path()),
        a_(store_, dir_.path() / "a.sqlite", workers_, clock_, leases_, catalog_, 1),
        b_(store_, dir_.path() / "b.sqlite", workers_, clock_, leases_, catalog_, 2) {}
  ~SharedStoreTest() override {
    upstream_.release_downloads();
    a_.fetcher.stop();
    b_.fetcher.stop();
    workers_.join();
  }

  template <class T>
  T run(asio::awaitable<T> operation) {
    auto result = asio::co_spawn(io_, std::move(operation), asio::use_future);
    io_.restart();
    for (int i = 0;
         i < 5000 && result.wait_for(std::chrono::seconds(0)) != std::future_status::ready; ++i) {
      io_.run_for(std::chrono::milliseconds(2));
    }
    return result.get();
  }

  static InflightFetch::State wait_done(InflightFetch& fetch) {
    while (true) {
      auto seen = fetch.progress();
      if (seen.state == InflightFetch::State::complete ||
          seen.state == InflightFetch::State::failed) {
        return seen.state;
      }
      std::promise<void> changed;
      fetch.notify_when_changed(seen, [&changed] { changed.set_value(); });
      changed.get_future().wait();
    }
  }

  cache::BlobLookup blob(Node& node, const std::string& repo, const std::string& digest) {
    return run(node.cache.blob(upstream_, repo, *Digest::parse(digest), false));
  }
  cache::ManifestLookup manifest(Node& node, const std::string& repo, const std::string& ref) {
    return run(node.cache.manifest(upstream_, repo, ref, ref.starts_with("sha256:")));
  }

  test_support::TempDir dir_;
  test_support::FakeUpstream upstream_;
  ManualClock clock_;
  asio::io_context io_;
  asio::thread_pool workers_{6};
  Leases leases_;
  FakeCatalog catalog_;
  storage::FilesystemContentStore store_;
  Node a_, b_;
};

TEST_F(SharedStoreTest, ConcurrentMissesOnTwoNodesFetchOnce) {
  const std::string content(300000, 'q');
  auto digest = upstream_.add_blob("library/a", content);
  upstream_.hold_downloads();
  auto on_a = blob(a_, "library/a", digest);
  ASSERT_TRUE(on_a.fetch);
  // Node A holds the lease before node B asks.
  for (int i = 0; i < 5000 && upstream_.blob_fetches() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto on_b = blob(b_, "library/a", digest);
  ASSERT_TRUE(on_b.fetch);
  EXPECT_EQ(on_b.outcome, CacheOutcome::miss) << "node B knows nothing of node A's download";
  upstream_.release_downloads();
  EXPECT_EQ(wait_done(*on_a.fetch), InflightFetch::State::complete);
  EXPECT_EQ(wait_done(*on_b.fetch), InflightFetch::State::complete);
  EXPECT_EQ(on_b.fetch->progress().available, content.size());
  EXPECT_EQ(upstream_.blob_fetches(), 1) << "node B waited for node A's copy in the store";
  EXPECT_TRUE(b_.index.object(*Digest::parse(digest)));
  // Released right after the download ends.
  auto held = [this] {
    std::lock_guard lock(leases_.mutex);
    return !leases_.holder.empty();
  };
  for (int i = 0; i < 5000 && held(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(held()) << "the lease is released when the download ends";
}

TEST_F(SharedStoreTest, BlobStoredByOneNodeIsAHitOnTheOther) {
  auto digest = upstream_.add_blob("library/a", "shared layer");
  auto on_a = blob(a_, "library/a", digest);
  ASSERT_TRUE(on_a.fetch);
  ASSERT_EQ(wait_done(*on_a.fetch), InflightFetch::State::complete);
  b_.index.link("fake.io", "library/a", *Digest::parse(digest));  // as a manifest would
  auto on_b = blob(b_, "library/a", digest);
  EXPECT_EQ(on_b.outcome, CacheOutcome::hit);
  ASSERT_TRUE(on_b.cached);
  EXPECT_EQ(upstream_.blob_fetches(), 1);
}

TEST_F(SharedStoreTest, WithoutCoordinationEachNodeFetchesOnItsOwn) {
  leases_.down = true;
  auto digest = upstream_.add_blob("library/a", std::string(5000, 'z'));
  upstream_.hold_downloads();
  auto on_a = blob(a_, "library/a", digest);
  auto on_b = blob(b_, "library/a", digest);
  upstream_.release_downloads();
  EXPECT_EQ(wait_done(*on_a.fetch), InflightFetch::State::complete);
  EXPECT_EQ(wait_done(*on_b.fetch), InflightFetch::State::complete);
  EXPECT_EQ(upstream_.blob_fetches(), 2);
}

TEST_F(SharedStoreTest, ImageCachedByOneNodeIsServedByTheOtherWithUpstreamDown) {
  auto layer = upstream_.add_blob("library/app", "layer-bytes");
  auto body = R"({"schemaVersion":2,"layers":[{"digest":")" + layer + R"("}]})";
  auto digest = upstream_.add_manifest("library/app", "1", body);
  ASSERT_FALSE(manifest(a_, "library/app", "1").error);
  auto on_a = blob(a_, "library/app", layer);
  ASSERT_TRUE(on_a.fetch);
  ASSERT_EQ(wait_done(*on_a.fetch), InflightFetch::State::complete);
  // The catalog is written in the background.
  for (int i = 0; i < 5000 && catalog_.entries() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(catalog_.entries(), 2u) << "the tag and the manifest's media type";

  upstream_.set_down(true);
  auto tagged = manifest(b_, "library/app", "1");
  ASSERT_FALSE(tagged.error) << tagged.error->message;
  EXPECT_EQ(tagged.digest, digest);
  EXPECT_EQ(tagged.media_type, "application/vnd.oci.image.manifest.v1+json");
  auto by_digest = manifest(b_, "library/app", digest);
  ASSERT_FALSE(by_digest.error);
  auto layer_on_b = blob(b_, "library/app", layer);
  EXPECT_EQ(layer_on_b.outcome, CacheOutcome::hit);
  EXPECT_FALSE(blob(b_, "other/repo", layer).outcome == CacheOutcome::hit)
      << "the layer belongs to library/app only";
}

TEST_F(SharedStoreTest, APinIsSharedOncePerNodeNotOncePerPull) {
  auto body = R"({"schemaVersion":2,"layers":[]})";
  auto pinned = upstream_.add_manifest("library/pinned", "1", body);
  auto pin_puts = [this](size_t at_least) {
    for (int i = 0; i < 5000 && catalog_.pin_puts().size() < at_least; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // and no more than that
    return catalog_.pin_puts();
  };
  const std::string key = upstream_.upstream().name + "/library/pinned@" + pinned;
  ASSERT_FALSE(manifest(a_, "library/pinned", pinned).error);
  EXPECT_EQ(pin_puts(1), std::vector<std::string>{key}) << "pulled by digest, no tag reaches it";
  ASSERT_FALSE(manifest(a_, "library/pinned", pinned).error);
  ASSERT_FALSE(manifest(a_, "library/pinned", pinned).error);
  EXPECT_EQ(pin_puts(1).size(), 1u) << "already pinned on node A: no PUT per pull";
  // Node B serves it from the store and pins it in its own index: its first pin.
  ASSERT_FALSE(manifest(b_, "library/pinned", pinned).error);
  EXPECT_EQ(pin_puts(2), (std::vector<std::string>{key, key}));

  // A manifest a tag reaches is not pinned.
  auto tagged = upstream_.add_manifest("library/tagged", "1", R"({"schemaVersion":2})");
  ASSERT_FALSE(manifest(a_, "library/tagged", "1").error);
  ASSERT_FALSE(manifest(a_, "library/tagged", tagged).error);
  EXPECT_EQ(pin_puts(2).size(), 2u);
}

}  // namespace

namespace {

TEST_F(SharedStoreTest, FollowerKeepsWhatTheHolderSentAndFinishesFromTheStore) {
  std::string content;
  for (int i = 0; i < 40000; ++i) content += static_cast<char>('a' + i % 26);
  auto digest = upstream_.add_blob("library/a", content);
  leases_.holder[Digest::parse(digest)->hex()] = 1;  // node A holds it (and then dies)
  int calls = 0;
  b_.coordinator.follow = [&](upstream::BlobSink& sink) -> FetchCoordinator::Followed {
    // Every attempt sends from byte 0: 1000 bytes, then 500 and the blob lands in the store.
    const size_t n = ++calls == 1 ? 1000 : 500;
    sink.on_start(content.size());
    sink.on_data({content.data(), n});
    if (calls == 2) {
      auto staging = store_.create_staging();
      EXPECT_FALSE(staging.value()->append(content));
      EXPECT_FALSE(store_.publish(*staging.value(), *Digest::parse(digest)));
    }
    return {n, false};
  };
  auto on_b = blob(b_, "library/a", digest);
  ASSERT_TRUE(on_b.fetch);
  ASSERT_EQ(wait_done(*on_b.fetch), InflightFetch::State::complete);
  EXPECT_EQ(calls, 2);
  std::string got(content.size(), '\0');
  ASSERT_EQ(pread(on_b.fetch->file_descriptor(), got.data(), got.size(), 0), ssize_t(got.size()));
  EXPECT_EQ(got, content);
  EXPECT_EQ(upstream_.blob_fetches(), 0);
}

}  // namespace
