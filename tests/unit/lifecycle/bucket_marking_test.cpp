#include "lifecycle/bucket_marking.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

using namespace regcache;
using lifecycle::BucketListing;
using lifecycle::BucketObject;
using lifecycle::BucketRecord;
using lifecycle::ManifestLinks;
using lifecycle::plan_bucket_gc;

namespace {

constexpr int64_t kNow = 1'000'000;
constexpr int64_t kGrace = 3600;
constexpr int64_t kLongAgo = kNow - 2 * kGrace;
constexpr int64_t kLately = kNow - 60;

registry::Digest digest(int i) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064x", i);
  return *registry::Digest::parse(std::string("sha256:") + hex);
}

// A made-up bucket: objects by number, manifests with their references.
struct Bucket {
  BucketListing listing;
  std::map<int, ManifestLinks> bodies;
  std::set<int> unreadable;
  std::vector<registry::Digest> read;  // what links_of was asked for

  Bucket& object(int i, int64_t last_access = kLongAgo, uint64_t size = 100) {
    listing.objects.push_back({digest(i), size, last_access});
    return *this;
  }
  // A manifest body (stored as object i) referencing `children`; `manifests`
  // are those of them that are manifests. `record`: it has a media type record.
  Bucket& manifest(int i, std::vector<int> children, std::vector<int> manifests = {},
                   int64_t last_access = kLongAgo, bool record = true) {
    object(i, last_access);
    ManifestLinks links;
    for (int c : children) links.children.push_back(digest(c));
    for (int m : manifests) links.manifests.push_back(digest(m));
    bodies[i] = links;
    if (record) {
      listing.manifests.insert(digest(i).hex());
      listing.manifest_records.push_back({"meta/manifests/" + digest(i).hex(), digest(i), 0});
    }
    return *this;
  }
  Bucket& tag(const std::string& name, int manifest, int64_t written_at = kLongAgo) {
    listing.tags.push_back({"meta/tags/up/repo/_tag/" + name, digest(manifest), written_at});
    return *this;
  }
  Bucket& pin(int manifest, int64_t written_at = kLongAgo) {
    listing.pins.push_back({"meta/pins/sha256/" + digest(manifest).hex(), digest(manifest),
                            written_at});
    return *this;
  }

  lifecycle::BucketGcPlan plan(const std::set<int>& protected_objects = {}) {
    std::map<registry::Digest, int> number;
    for (const auto& [i, links] : bodies) number[digest(i)] = i;
    for (int i : unreadable) number[digest(i)] = i;
    return plan_bucket_gc(
        listing, kNow, kGrace,
        [&, number](const registry::Digest& d) -> std::optional<ManifestLinks> {
          read.push_back(d);
          auto it = number.find(d);
          if (it == number.end()) return ManifestLinks{};  // not a manifest after all
          if (unreadable.contains(it->second)) return std::nullopt;
          return bodies.at(it->second);
        },
        [&](const registry::Digest& d) {
          for (int i : protected_objects)
            if (digest(i) == d) return true;
          return false;
        });
  }
};

std::set<registry::Digest> digests(const std::vector<BucketObject>& objects) {
  std::set<registry::Digest> out;
  for (const auto& o : objects) out.insert(o.digest);
  return out;
}

std::set<registry::Digest> digests(std::initializer_list<int> numbers) {
  std::set<registry::Digest> out;
  for (int i : numbers) out.insert(digest(i));
  return out;
}

std::set<std::string> keys(const std::vector<BucketRecord>& records) {
  std::set<std::string> out;
  for (const auto& r : records) out.insert(r.key);
  return out;
}

TEST(BucketMarking, AMovedTagLeavesTheOldManifestAndItsOwnBlobsButNotTheSharedLayer) {
  Bucket bucket;
  // Old image: manifest 1 -> config 11, layers 12 (shared) and 13; new: 2 -> 21, 12, 22.
  bucket.manifest(1, {11, 12, 13}).object(11).object(12).object(13);
  bucket.manifest(2, {21, 12, 22}).object(21).object(22);
  bucket.tag("v1", 2);
  auto plan = bucket.plan();
  ASSERT_TRUE(plan.complete);
  EXPECT_EQ(digests(plan.manifests), digests({1}));
  EXPECT_EQ(digests(plan.blobs), digests({11, 13}));
  EXPECT_EQ(plan.bytes, 300u);
  EXPECT_EQ(plan.roots, 1u);
  EXPECT_EQ(plan.reachable, 4u);
  // Garbage is judged without reading it; configs and layers are never read.
  EXPECT_EQ(std::set<registry::Digest>(bucket.read.begin(), bucket.read.end()), digests({2}));
}

TEST(BucketMarking, PinsAndIndexesKeepEveryPlatformManifestAndItsBlobs) {
  Bucket bucket;
  // Index 1 (pinned) -> platform manifests 2 and 3, which have no media type
  // record (a node could not write it): the index says they are manifests.
  bucket.manifest(1, {2, 3}, {2, 3});
  bucket.manifest(2, {21, 22}, {}, kLongAgo, /*record=*/false).object(21).object(22);
  bucket.manifest(3, {31, 22}, {}, kLongAgo, /*record=*/false).object(31);
  bucket.manifest(4, {41}).object(41);  // nobody's
  bucket.pin(1);
  auto plan = bucket.plan();
  ASSERT_TRUE(plan.complete);
  EXPECT_EQ(digests(plan.manifests), digests({4}));
  EXPECT_EQ(digests(plan.blobs), digests({41}));
  EXPECT_EQ(plan.reachable, 6u);
}

TEST(BucketMarking, GarbageUsedWithinTheGracePeriodStaysWithWhatItReferences) {
  Bucket bucket;
  // Manifest 1 was just uploaded (its tag record is not written yet): its
  // layer 11, idle for long (it was another image's), stays with it.
  bucket.manifest(1, {11, 12}, {}, kLately).object(11).object(12, kLately);
  bucket.object(13, kNow - kGrace + 1);  // used by some node within the grace period
  bucket.object(14);                     // idle for longer
  auto plan = bucket.plan();
  ASSERT_TRUE(plan.complete);
  EXPECT_TRUE(plan.manifests.empty());
  EXPECT_EQ(digests(plan.blobs), digests({14}));
  EXPECT_EQ(plan.recent, 4u);
  EXPECT_EQ(plan.reachable, 0u);
}

TEST(BucketMarking, WhatANodeIsFetchingStays) {
  Bucket bucket;
  bucket.object(1).object(2).object(3);
  auto plan = bucket.plan({2});
  EXPECT_EQ(digests(plan.blobs), digests({1, 3}));
  EXPECT_EQ(plan.protected_, 1u);
}

TEST(BucketMarking, AnUnreadableReachableManifestStopsTheSweep) {
  Bucket bucket;
  bucket.manifest(1, {11}).object(11);
  bucket.manifest(2, {21}).object(21);
  bucket.tag("a", 1).tag("b", 2);
  bucket.unreadable.insert(2);
  bucket.object(99);  // garbage, but 2 might reference it
  auto plan = bucket.plan();
  EXPECT_FALSE(plan.complete);
  EXPECT_TRUE(plan.manifests.empty());
  EXPECT_TRUE(plan.blobs.empty());
  EXPECT_EQ(plan.bytes, 0u);
}

TEST(BucketMarking, RecordsOfManifestsNotInTheBucketGoAfterTheGracePeriod) {
  Bucket bucket;
  bucket.manifest(1, {11}).object(11);
  bucket.tag("kept", 1).pin(1);
  bucket.tag("dangling", 7).pin(8);
  // Written after the blobs were listed, for a manifest uploaded meanwhile.
  bucket.tag("new", 9, kLately).pin(9, kLately);
  bucket.listing.manifest_records.push_back({"meta/manifests/7", digest(7), kLongAgo});
  bucket.listing.manifest_records.push_back({"meta/manifests/9", digest(9), kLately});
  auto plan = bucket.plan();
  ASSERT_TRUE(plan.complete);
  EXPECT_TRUE(plan.manifests.empty() && plan.blobs.empty());
  EXPECT_EQ(keys(plan.dangling_tags), std::set<std::string>{"meta/tags/up/repo/_tag/dangling"});
  EXPECT_EQ(keys(plan.dangling_pins), std::set<std::string>{"meta/pins/sha256/" + digest(8).hex()});
  EXPECT_EQ(keys(plan.orphan_records), std::set<std::string>{"meta/manifests/7"});
  EXPECT_EQ(plan.roots, 1u);  // the tag and the pin of manifest 1
}

TEST(BucketMarking, AnEmptyBucketHasNothingToDo) {
  Bucket bucket;
  auto plan = bucket.plan();
  EXPECT_TRUE(plan.complete);
  EXPECT_TRUE(plan.manifests.empty() && plan.blobs.empty() && plan.dangling_tags.empty());
  EXPECT_EQ(plan.roots, 0u);
}

}  // namespace
