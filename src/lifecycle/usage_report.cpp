#include "lifecycle/usage_report.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace regcache::lifecycle {
namespace {

using Objects = std::unordered_map<std::string, const index::ObjectRecord*>;

Objects by_hex(const index::IndexSnapshot& snapshot) {
  Objects out;
  for (const auto& object : snapshot.objects) out.emplace(object.digest.hex(), &object);
  return out;
}

struct Footprint {
  uint64_t bytes = 0;
  size_t objects = 0;
  int64_t last_use = 0;
  bool cached = false;  // the root itself is cached
};

// Size of everything reachable from `root` that is cached.
Footprint footprint(const index::IndexSnapshot& snapshot, const Objects& objects,
                    const registry::Digest& root) {
  Footprint out;
  std::unordered_set<std::string> seen{root.hex()};
  std::deque<std::string> queue{root.hex()};
  out.cached = objects.contains(root.hex());
  while (!queue.empty()) {
    auto hex = std::move(queue.front());
    queue.pop_front();
    if (auto it = objects.find(hex); it != objects.end()) {
      out.bytes += it->second->size;
      ++out.objects;
      out.last_use = std::max(out.last_use, it->second->last_access);
    }
    auto refs = snapshot.refs.find(hex);
    if (refs == snapshot.refs.end()) continue;
    for (const auto& child : refs->second) {
      if (seen.insert(child.hex()).second) queue.push_back(child.hex());
    }
  }
  return out;
}

nlohmann::json footprint_json(const Footprint& f) {
  return {{"bytes", f.bytes}, {"objects", f.objects}, {"last_use", f.last_use}};
}

}  // namespace

nlohmann::json usage_report(const index::IndexSnapshot& snapshot, size_t top_images) {
  auto objects = by_hex(snapshot);
  Footprint total;
  size_t manifests = 0;
  for (const auto& object : snapshot.objects) {
    total.bytes += object.size;
    ++total.objects;
    total.last_use = std::max(total.last_use, object.last_access);
    if (!object.media_type.empty()) ++manifests;
  }

  // Per repository / upstream: cached content linked to it (dedup within it).
  std::map<std::pair<std::string, std::string>, std::unordered_set<std::string>> repo_content;
  std::map<std::string, std::unordered_set<std::string>> upstream_content;
  for (const auto& link : snapshot.links) {
    if (!objects.contains(link.digest.hex())) continue;
    repo_content[{link.upstream, link.repository}].insert(link.digest.hex());
    upstream_content[link.upstream].insert(link.digest.hex());
  }
  auto sum = [&](const std::unordered_set<std::string>& hexes) {
    Footprint f;
    for (const auto& hex : hexes) {
      const auto* object = objects.at(hex);
      f.bytes += object->size;
      ++f.objects;
      f.last_use = std::max(f.last_use, object->last_access);
    }
    return f;
  };
  nlohmann::json upstreams = nlohmann::json::array();
  for (const auto& [name, hexes] : upstream_content) {
    auto entry = footprint_json(sum(hexes));
    entry["upstream"] = name;
    upstreams.push_back(std::move(entry));
  }
  nlohmann::json repositories = nlohmann::json::array();
  for (const auto& [key, hexes] : repo_content) {
    auto entry = footprint_json(sum(hexes));
    entry["upstream"] = key.first;
    entry["repository"] = key.second;
    repositories.push_back(std::move(entry));
  }
  std::sort(repositories.begin(), repositories.end(), [](const auto& a, const auto& b) {
    return a["bytes"].template get<uint64_t>() > b["bytes"].template get<uint64_t>();
  });

  nlohmann::json images = nlohmann::json::array();
  for (const auto& tag : snapshot.tags) {
    auto f = footprint(snapshot, objects, tag.record.digest);
    if (!f.cached) continue;
    auto entry = footprint_json(f);
    entry["upstream"] = tag.upstream;
    entry["repository"] = tag.repository;
    entry["tag"] = tag.tag;
    entry["digest"] = tag.record.digest.str();
    images.push_back(std::move(entry));
  }
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) {
    return a["bytes"].template get<uint64_t>() > b["bytes"].template get<uint64_t>();
  });
  if (images.size() > top_images)
    images.erase(images.begin() + static_cast<long>(top_images), images.end());

  auto total_json = footprint_json(total);
  total_json["manifests"] = manifests;
  total_json["blobs"] = total.objects - manifests;
  return {{"total", total_json},
          {"upstreams", upstreams},
          {"repositories", repositories},
          {"top_images", images}};
}

nlohmann::json image_list(const index::IndexSnapshot& snapshot, const std::string& repository) {
  auto objects = by_hex(snapshot);
  nlohmann::json out = nlohmann::json::array();
  auto add = [&](const std::string& upstream, const std::string& repo, const std::string& tag,
                 const registry::Digest& digest) {
    if (!repository.empty() && repo != repository) return;
    auto f = footprint(snapshot, objects, digest);
    auto entry = footprint_json(f);
    entry["upstream"] = upstream;
    entry["repository"] = repo;
    entry["tag"] = tag;  // empty for a pinned digest
    entry["digest"] = digest.str();
    entry["cached"] = f.cached;
    out.push_back(std::move(entry));
  };
  for (const auto& tag : snapshot.tags)
    add(tag.upstream, tag.repository, tag.tag, tag.record.digest);
  for (const auto& pin : snapshot.pins) add(pin.upstream, pin.repository, "", pin.digest);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a["upstream"], a["repository"], a["tag"], a["digest"]) <
           std::tie(b["upstream"], b["repository"], b["tag"], b["digest"]);
  });
  return out;
}

}  // namespace regcache::lifecycle
