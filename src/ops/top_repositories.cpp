#include "ops/top_repositories.hpp"

#include <algorithm>
#include <functional>

namespace regcache::ops {

TopRepositories::TopRepositories(size_t capacity)
    : per_shard_(std::max<size_t>(1, capacity / kShards)) {}

void TopRepositories::record(std::string_view repository, uint64_t bytes) {
  if (repository.empty()) return;
  Shard& shard = shards_[metrics::shard_index() % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(repository);
  if (it == shard.entries.end()) {
    Counts inherited;
    if (shard.entries.size() >= per_shard_) {
      auto smallest = std::min_element(
          shard.entries.begin(), shard.entries.end(),
          [](const auto& a, const auto& b) { return a.second.bytes < b.second.bytes; });
      inherited = smallest->second;
      shard.entries.erase(smallest);
    }
    it = shard.entries.emplace(std::string(repository), inherited).first;
  }
  it->second.requests += 1;
  it->second.bytes += bytes;
}

std::vector<RepositoryTraffic> TopRepositories::top(size_t n) const {
  std::unordered_map<std::string, Counts> merged;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [name, counts] : shard.entries) {
      auto& m = merged[name];
      m.requests += counts.requests;
      m.bytes += counts.bytes;
    }
  }
  std::vector<RepositoryTraffic> all;
  all.reserve(merged.size());
  for (auto& [name, counts] : merged) all.push_back({name, counts.requests, counts.bytes});
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.requests != b.requests) return a.requests > b.requests;
    return a.upstream_repository < b.upstream_repository;
  });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace regcache::ops
