#include "lifecycle/bucket_marking.hpp"

#include <deque>
#include <unordered_map>

namespace regcache::lifecycle {

BucketGcPlan plan_bucket_gc(const BucketListing& listing, int64_t now, int64_t grace,
                            const LinksOf& links_of,
                            const std::function<bool(const registry::Digest&)>& protect) {
  BucketGcPlan out;
  std::unordered_map<std::string, const BucketObject*> present;
  for (const auto& object : listing.objects) present.emplace(object.digest.hex(), &object);

  // Breadth-first from the roots; a digest is read only when known to be a
  // manifest (a root, a media type record, an index's child).
  std::unordered_set<std::string> live;
  std::unordered_set<std::string> manifests = listing.manifests;
  std::deque<registry::Digest> queue;
  auto mark = [&](const registry::Digest& digest) {
    if (present.contains(digest.hex()) && live.insert(digest.hex()).second) {
      queue.push_back(digest);
    }
  };
  auto follow = [&] {
    while (!queue.empty()) {
      auto digest = std::move(queue.front());
      queue.pop_front();
      if (!manifests.contains(digest.hex())) continue;  // a config or layer: a leaf
      auto links = links_of(digest);
      if (!links) {
        out.complete = false;
        continue;
      }
      for (const auto& child : links->manifests) manifests.insert(child.hex());
      for (const auto& child : links->children) mark(child);
    }
  };
  for (const auto* roots : {&listing.tags, &listing.pins}) {
    for (const auto& record : *roots) {
      if (!present.contains(record.digest.hex())) continue;
      manifests.insert(record.digest.hex());
      mark(record.digest);
    }
  }
  out.roots = live.size();
  follow();
  out.reachable = live.size();
  const std::unordered_set<std::string> reachable = live;

  // An unreachable manifest kept for now (used lately, being written) keeps
  // what it references too: a node may be about to tag or pin it.
  const int64_t idle_before = now - grace;
  std::unordered_map<std::string, bool> protection;  // asked once per object (a Redis call)
  auto is_protected = [&](const BucketObject& object) {
    auto [it, inserted] = protection.try_emplace(object.digest.hex(), false);
    if (inserted && protect) it->second = protect(object.digest);
    return it->second;
  };
  std::unordered_set<std::string> protected_manifests;
  for (const auto& object : listing.objects) {
    const auto& hex = object.digest.hex();
    if (reachable.contains(hex) || !manifests.contains(hex)) continue;
    if (object.last_access < idle_before) {
      if (!is_protected(object)) continue;
      protected_manifests.insert(hex);
    }
    mark(object.digest);
  }
  follow();

  if (out.complete) {
    for (const auto& object : listing.objects) {
      const auto& hex = object.digest.hex();
      if (reachable.contains(hex)) continue;
      if (protected_manifests.contains(hex)) {
        ++out.protected_;
      } else if (live.contains(hex) || object.last_access >= idle_before) {
        ++out.recent;
      } else if (is_protected(object)) {
        ++out.protected_;
      } else {
        out.bytes += object.size;
        (manifests.contains(hex) ? out.manifests : out.blobs).push_back(object);
      }
    }
  }

  auto dangling = [&](const std::vector<BucketRecord>& records, std::vector<BucketRecord>& into) {
    for (const auto& record : records) {
      if (!present.contains(record.digest.hex()) && record.written_at < idle_before) {
        into.push_back(record);
      }
    }
  };
  dangling(listing.tags, out.dangling_tags);
  dangling(listing.pins, out.dangling_pins);
  dangling(listing.manifest_records, out.orphan_records);
  return out;
}

}  // namespace regcache::lifecycle
