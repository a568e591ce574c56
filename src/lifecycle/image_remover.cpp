#include "lifecycle/image_remover.hpp"

#include <deque>
#include <unordered_set>

namespace regcache::lifecycle {
namespace {

// Digests reachable from `roots` through references.
std::unordered_set<std::string> closure(const index::IndexSnapshot& snapshot,
                                        const std::unordered_set<std::string>& roots) {
  std::unordered_set<std::string> out(roots);
  std::deque<std::string> queue(roots.begin(), roots.end());
  while (!queue.empty()) {
    auto hex = std::move(queue.front());
    queue.pop_front();
    auto refs = snapshot.refs.find(hex);
    if (refs == snapshot.refs.end()) continue;
    for (const auto& child : refs->second) {
      if (out.insert(child.hex()).second) queue.push_back(child.hex());
    }
  }
  return out;
}

}  // namespace

RemoveReport remove_image(index::CacheIndex& index, ContentRemover& remover,
                          const ImageSelector& selector, bool dry_run) {
  RemoveReport report;
  report.collected.dry_run = dry_run;
  auto before = index.snapshot();
  const bool whole_repository = selector.tag.empty() && !selector.digest;
  auto in_repo = [&](const std::string& upstream, const std::string& repository) {
    return upstream == selector.upstream && repository == selector.repository;
  };

  std::unordered_set<std::string> affected;
  for (const auto& tag : before.tags) {
    if (!in_repo(tag.upstream, tag.repository)) continue;
    bool match = whole_repository || tag.tag == selector.tag ||
                 (selector.digest && tag.record.digest == *selector.digest);
    if (!match) continue;
    affected.insert(tag.record.digest.hex());
    report.tags.push_back(tag);
    if (!dry_run) index.remove_tag(tag.upstream, tag.repository, tag.tag);
  }
  for (const auto& pin : before.pins) {
    if (!in_repo(pin.upstream, pin.repository)) continue;
    bool match = whole_repository || (selector.digest && pin.digest == *selector.digest) ||
                 affected.contains(pin.digest.hex());
    if (!match) continue;
    affected.insert(pin.digest.hex());
    report.pins.push_back(pin);
    if (!dry_run) index.unpin(pin.upstream, pin.repository, pin.digest);
  }
  size_t links = 0;
  for (const auto& link : before.links) {
    if (!whole_repository || !in_repo(link.upstream, link.repository)) continue;
    affected.insert(link.digest.hex());
    ++links;
    if (!dry_run) index.remove_link(link.upstream, link.repository, link.digest);
  }
  report.found = !report.tags.empty() || !report.pins.empty() || links > 0;
  if (!report.found) return report;

  auto candidates = closure(before, affected);
  index::IndexSnapshot after;
  if (dry_run) {
    // Judge on the index as it would be without the selected roots.
    after = std::move(before);
    std::erase_if(after.tags, [&](const index::TagEntry& tag) {
      return in_repo(tag.upstream, tag.repository) && affected.contains(tag.record.digest.hex()) &&
             (whole_repository || tag.tag == selector.tag ||
              (selector.digest && tag.record.digest == *selector.digest));
    });
    std::erase_if(after.pins, [&](const index::LinkEntry& pin) {
      return in_repo(pin.upstream, pin.repository) && affected.contains(pin.digest.hex());
    });
  } else {
    after = index.snapshot();
  }
  for (auto& object : unreachable_objects(after)) {
    if (!candidates.contains(object.digest.hex())) continue;
    if (!dry_run &&
        remover.remove(object.digest, {.unreachable = true}) != ContentRemover::Outcome::removed) {
      ++report.collected.skipped;
      continue;
    }
    report.collected.bytes += object.size;
    (object.media_type.empty() ? report.collected.blobs : report.collected.manifests)
        .push_back(std::move(object));
  }
  report.collected.kept = index.object_count();
  return report;
}

}  // namespace regcache::lifecycle
