#include "lifecycle/garbage_collector.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "config/byte_size.hpp"

namespace regcache::lifecycle {
namespace {

// A tag whose manifest is gone is kept this long (a pull may be storing it).
constexpr int64_t kDanglingTagGrace = 600;

}  // namespace

std::vector<index::ObjectRecord> unreachable_objects(const index::IndexSnapshot& snapshot) {
  std::unordered_map<std::string, const index::ObjectRecord*> present;
  for (const auto& object : snapshot.objects) present.emplace(object.digest.hex(), &object);

  // depth: 0 for roots, +1 per reference followed; breadth-first marks.
  std::unordered_set<std::string> live;
  std::deque<std::string> queue;
  auto mark = [&](const registry::Digest& digest) {
    if (present.contains(digest.hex()) && live.insert(digest.hex()).second) {
      queue.push_back(digest.hex());
    }
  };
  for (const auto& tag : snapshot.tags) mark(tag.record.digest);
  for (const auto& pin : snapshot.pins) mark(pin.digest);
  while (!queue.empty()) {
    auto hex = std::move(queue.front());
    queue.pop_front();
    auto refs = snapshot.refs.find(hex);
    if (refs == snapshot.refs.end()) continue;
    for (const auto& child : refs->second) mark(child);
  }

  // Parents before children: an object's rank is the longest chain of garbage
  // parents above it (indexes 0, their manifests 1, blobs 2).
  std::unordered_map<std::string, int> rank;
  for (const auto& object : snapshot.objects) {
    if (!live.contains(object.digest.hex())) rank.emplace(object.digest.hex(), 0);
  }
  for (int round = 0; round < 4; ++round) {
    for (const auto& [parent, children] : snapshot.refs) {
      auto p = rank.find(parent);
      if (p == rank.end()) continue;
      for (const auto& child : children) {
        auto c = rank.find(child.hex());
        if (c != rank.end() && c->second <= p->second) c->second = p->second + 1;
      }
    }
  }
  std::vector<index::ObjectRecord> out;
  for (const auto& object : snapshot.objects) {
    if (rank.contains(object.digest.hex())) out.push_back(object);
  }
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    return rank[a.digest.hex()] < rank[b.digest.hex()];
  });
  return out;
}

GcReport GarbageCollector::collect(bool dry_run) {
  GcReport report;
  report.dry_run = dry_run;
  auto snapshot = index_.snapshot();
  auto garbage = unreachable_objects(snapshot);
  for (auto& object : garbage) {
    if (!dry_run) {
      auto outcome = remover_.remove(object.digest, {.unreachable = true});
      if (outcome != ContentRemover::Outcome::removed) {
        ++report.skipped;
        continue;
      }
    } else if (remover_.downloading(object.digest)) {
      ++report.skipped;
      continue;
    }
    report.bytes += object.size;
    (object.media_type.empty() ? report.blobs : report.manifests).push_back(std::move(object));
  }

  if (!dry_run) {
    // Housekeeping of the tables: tags to manifests long gone, links to
    // content neither cached nor referenced by a cached manifest.
    std::unordered_set<std::string> present, referenced;
    for (const auto& object : index_.objects()) present.insert(object.digest.hex());
    for (const auto& [parent, children] : snapshot.refs) {
      if (!present.contains(parent)) continue;
      for (const auto& child : children) referenced.insert(child.hex());
    }
    const int64_t now = clock_.now_seconds();
    for (const auto& tag : snapshot.tags) {
      if (!present.contains(tag.record.digest.hex()) &&
          tag.record.validated_at < now - kDanglingTagGrace) {
        index_.remove_tag(tag.upstream, tag.repository, tag.tag);
        ++report.pruned_tags;
      }
    }
    for (const auto& link : snapshot.links) {
      if (!present.contains(link.digest.hex()) && !referenced.contains(link.digest.hex())) {
        index_.remove_link(link.upstream, link.repository, link.digest);
        ++report.pruned_links;
      }
    }
  }
  report.kept = index_.object_count();
  if (!report.manifests.empty() || !report.blobs.empty() || report.skipped > 0) {
    spdlog::info("gc: {}{} manifest(s) and {} blob(s), {}; {} candidate(s) still in use",
                 dry_run ? "would remove " : "removed ", report.manifests.size(),
                 report.blobs.size(), config::format_bytes(report.bytes), report.skipped);
  }
  return report;
}

}  // namespace regcache::lifecycle
