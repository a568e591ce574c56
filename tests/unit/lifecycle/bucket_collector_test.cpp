// BucketCollector against a real bucket (Ceph RGW from scripts/test.sh; skipped
// without one) and a fake coordination: who collects, what is protected.
#include "lifecycle/bucket_collector.hpp"

#include <gtest/gtest.h>

#include <set>

#include "support/manual_clock.hpp"
#include "support/s3_environment.hpp"
#include "support/temp_dir.hpp"
#include "util/sha256.hpp"

using namespace regcache;
using lifecycle::CollectorCoordination;

namespace {

class FakeCoordination final : public CollectorCoordination {
 public:
  Role role = Role::collector;
  std::unordered_map<std::string, int64_t> access;
  std::set<std::string> leases;  // digest hex
  std::vector<std::string> forgotten;

  Role elect() override { return role; }
  void resign() override {}
  void record_access(const std::vector<std::pair<std::string, int64_t>>&) override {}
  void flush_access() override {}
  std::optional<std::unordered_map<std::string, int64_t>> last_access() override { return access; }
  void forget(const std::vector<std::string>& hexes) override {
    forgotten.insert(forgotten.end(), hexes.begin(), hexes.end());
  }
  bool fetching(const registry::Digest& digest) override { return leases.contains(digest.hex()); }
};

class BucketCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = test_support::s3_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    auto settings = *test_support::s3_settings_from_environment();
    settings.root_directory = "collector/" + dir.path().filename().string();
    store = std::make_unique<storage::S3ContentStore>(settings, dir.path());
    index = std::make_unique<index::CacheIndex>(dir.path() / "index.sqlite");
    // Objects are uploaded "now": the manual clock starts at the real time.
    clock.now = SystemClock().now_seconds();
  }

  registry::Digest put(char fill, size_t size) {
    std::string content(size, fill);
    auto digest = *registry::Digest::parse("sha256:" + Sha256::hex_of(content));
    auto staged = store->create_staging().value();
    EXPECT_FALSE(staged->append(std::span<const char>(content.data(), content.size())));
    EXPECT_FALSE(store->publish(*staged, digest));
    return digest;
  }

  lifecycle::BucketCollector collector(uint64_t max_bytes, std::chrono::seconds ttl) {
    config.lifecycle.max_size = {max_bytes, 0};
    config.lifecycle.high_watermark = 95;
    config.lifecycle.low_watermark = 85;
    config.upstreams.front().ttl = ttl;
    return lifecycle::BucketCollector(config, dir.path(), *store, *index, nullptr, coordination,
                                      clock);
  }

  test_support::TempDir dir;
  std::unique_ptr<storage::S3ContentStore> store;
  std::unique_ptr<index::CacheIndex> index;
  test_support::ManualClock clock;
  FakeCoordination coordination;
  config::Config config;
};

TEST_F(BucketCollectorTest, OnlyTheCollectorRemoves) {
  auto a = put('a', 1000);
  auto b = put('b', 1000);
  coordination.role = CollectorCoordination::Role::follower;
  auto c = collector(1000, std::chrono::seconds(0));
  auto report = c.pass();
  EXPECT_FALSE(report.collected);
  EXPECT_FALSE(c.collector());
  EXPECT_TRUE(store->size_of(a));
  EXPECT_TRUE(store->size_of(b));

  coordination.role = CollectorCoordination::Role::unavailable;  // Redis down: nobody collects
  EXPECT_FALSE(c.pass().collected);
  EXPECT_TRUE(store->size_of(a));
}

TEST_F(BucketCollectorTest, EvictsLeastRecentlyUsedByAnyNodeButNotWhatIsBeingFetched) {
  auto a = put('a', 1000);
  auto b = put('b', 1000);
  auto d = put('d', 1000);
  // Used by other nodes: a longest ago (but a node is fetching it again), then b, then d.
  coordination.access = {
      {a.hex(), clock.now + 10}, {b.hex(), clock.now + 20}, {d.hex(), clock.now + 30}};
  coordination.leases = {a.hex()};
  // 3000 bytes over 95 % of 2800: down to 85 % (2380) takes one blob.
  auto c = collector(2800, std::chrono::seconds(0));
  auto report = c.pass();
  EXPECT_TRUE(report.collected);
  EXPECT_TRUE(c.collector());
  EXPECT_EQ(report.evicted, 1u);
  EXPECT_TRUE(store->size_of(a));
  EXPECT_FALSE(store->size_of(b));
  EXPECT_TRUE(store->size_of(d));
  // Readers still streaming b finish from its grace copy.
  auto grace = store->client().head(store->removed_key_of(b));
  ASSERT_TRUE(grace.ok());
  EXPECT_EQ(grace.value(), std::optional<uint64_t>(1000));
  EXPECT_EQ(coordination.forgotten, std::vector<std::string>{b.hex()});
}

TEST_F(BucketCollectorTest, TtlRunsFromTheLastAccessByAnyNode) {
  auto idle = put('i', 100);
  auto used = put('u', 100);
  clock.now += 3600;                                     // both uploaded an hour ago
  coordination.access = {{used.hex(), clock.now - 60}};  // another node served it a minute ago
  auto c = collector(0, std::chrono::seconds(1800));
  auto report = c.pass();
  EXPECT_EQ(report.expired, 1u);
  EXPECT_FALSE(store->size_of(idle));
  EXPECT_TRUE(store->size_of(used));
}

// The records the nodes write (coord::S3SharedCatalog's layout).
class BucketGcTest : public BucketCollectorTest {
 protected:
  registry::Digest put_manifest(const std::vector<registry::Digest>& layers) {
    std::string body = R"({"schemaVersion":2,"layers":[)";
    for (size_t i = 0; i < layers.size(); ++i) {
      body += (i ? "," : "") + std::string(R"({"digest":")") + layers[i].str() + R"("})";
    }
    body += "]}";
    auto digest = *registry::Digest::parse("sha256:" + Sha256::hex_of(body));
    auto staged = store->create_staging().value();
    EXPECT_FALSE(staged->append(std::span<const char>(body.data(), body.size())));
    EXPECT_FALSE(store->publish(*staged, digest));
    put_record("meta/manifests/sha256/" + digest.hex(), "application/vnd.oci.image.manifest.v1+json");
    return digest;
  }
  void put_record(const std::string& key, const std::string& body) {
    EXPECT_FALSE(store->client().put_object(store->prefix() + key, body));
  }
  void tag(const std::string& name, const registry::Digest& digest) {
    put_record("meta/tags/up/repo/_tag/" + name,
               R"({"digest":")" + digest.str() + R"(","validated_at":1})");
  }
  bool has(const std::string& key) {
    auto size = store->client().head(store->prefix() + key);
    return size.ok() && size.value().has_value();
  }
  lifecycle::BucketCollector gc_collector() {
    config.lifecycle.gc_grace = std::chrono::hours(1);
    return collector(0, std::chrono::seconds(0));
  }
  static std::set<registry::Digest> digests(const std::vector<lifecycle::BucketObject>& objects) {
    std::set<registry::Digest> out;
    for (const auto& o : objects) out.insert(o.digest);
    return out;
  }
};

TEST_F(BucketGcTest, RemovesWhatNoTagOrPinReachesOnceNobodyUsedItForTheGracePeriod) {
  auto shared = put('s', 100), old_layer = put('o', 200), new_layer = put('n', 300);
  auto old_manifest = put_manifest({shared, old_layer});
  auto new_manifest = put_manifest({shared, new_layer});
  auto pinned_layer = put('p', 50);
  auto pinned = put_manifest({pinned_layer});
  tag("v1", new_manifest);  // moved away from old_manifest
  put_record("meta/pins/sha256/" + pinned.hex(), "{}");
  auto gone = *registry::Digest::parse("sha256:" + std::string(64, 'e'));
  // Records of a manifest no longer in the bucket (it went by TTL).
  tag("dangling", gone);
  put_record("meta/pins/sha256/" + gone.hex(), "{}");
  put_record("meta/manifests/sha256/" + gone.hex(), "application/vnd.oci.image.manifest.v1+json");
  auto c = gc_collector();

  // Everything was uploaded just now: within the grace period.
  auto report = c.collect_garbage(false);
  ASSERT_TRUE(report.collected && report.complete);
  EXPECT_TRUE(report.manifests.empty() && report.blobs.empty());
  EXPECT_EQ(report.recent, 2u);
  EXPECT_EQ(report.roots, 2u);
  EXPECT_EQ(report.reachable, 5u);

  clock.now += 2 * 3600;
  coordination.access = {{new_layer.hex(), clock.now - 10}};  // used through another node
  auto dry = c.collect_garbage(true);
  EXPECT_EQ(digests(dry.manifests), std::set<registry::Digest>{old_manifest});
  EXPECT_EQ(digests(dry.blobs), std::set<registry::Digest>{old_layer});
  EXPECT_EQ(dry.pruned_tags, 1u);
  EXPECT_EQ(dry.pruned_pins, 1u);
  EXPECT_EQ(dry.pruned_records, 1u);
  EXPECT_TRUE(store->size_of(old_manifest) && store->size_of(old_layer));
  EXPECT_TRUE(has("meta/tags/up/repo/_tag/dangling"));
  EXPECT_TRUE(has("meta/pins/sha256/" + gone.hex()));

  auto done = c.collect_garbage(false);
  EXPECT_EQ(digests(done.manifests), std::set<registry::Digest>{old_manifest});
  EXPECT_EQ(digests(done.blobs), std::set<registry::Digest>{old_layer});
  EXPECT_EQ(done.bytes, 200 + store->client().head(store->removed_key_of(old_manifest)).value().value_or(0));
  EXPECT_FALSE(store->size_of(old_manifest));
  EXPECT_FALSE(store->size_of(old_layer));
  for (const auto& kept : {shared, new_layer, new_manifest, pinned, pinned_layer}) {
    EXPECT_TRUE(store->size_of(kept)) << kept.str();
  }
  EXPECT_FALSE(has("meta/manifests/sha256/" + old_manifest.hex()));
  EXPECT_TRUE(has("meta/manifests/sha256/" + new_manifest.hex()));
  EXPECT_TRUE(has("meta/pins/sha256/" + pinned.hex()));
  EXPECT_FALSE(has("meta/tags/up/repo/_tag/dangling"));
  EXPECT_FALSE(has("meta/pins/sha256/" + gone.hex()));
  EXPECT_FALSE(has("meta/manifests/sha256/" + gone.hex()));
  EXPECT_TRUE(has("meta/tags/up/repo/_tag/v1"));
  // Streams in flight finish from the grace copy.
  auto grace = store->client().head(store->removed_key_of(old_layer));
  ASSERT_TRUE(grace.ok());
  EXPECT_TRUE(grace.value().has_value());
}

TEST_F(BucketGcTest, NothingIsRemovedByAFollowerOrWhileANodeFetchesIt) {
  auto layer = put('x', 100);
  clock.now += 2 * 3600;
  coordination.role = CollectorCoordination::Role::follower;
  auto c = gc_collector();
  EXPECT_FALSE(c.collect_garbage(false).collected);
  EXPECT_TRUE(store->size_of(layer));

  coordination.role = CollectorCoordination::Role::collector;
  coordination.leases = {layer.hex()};
  auto report = c.collect_garbage(false);
  EXPECT_TRUE(report.collected);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_TRUE(store->size_of(layer));
}

}  // namespace
