#include "lifecycle/expiry_policy.hpp"

#include <algorithm>
#include <unordered_map>

#include "config/upstream_list.hpp"

namespace regcache::lifecycle {

ExpiryPolicy ExpiryPolicy::from_config(const config::Config& config) {
  std::map<std::string, config::Seconds> ttls;
  for (const auto& upstream : config.upstreams) ttls[upstream.name] = upstream.ttl;
  const auto* fallback = config::find_upstream(config, config.default_upstream);
  if (fallback == nullptr) fallback = &config.upstreams.front();
  return ExpiryPolicy(std::move(ttls), fallback->ttl);
}

config::Seconds ExpiryPolicy::shortest() const {
  config::Seconds out = fallback_;
  for (const auto& [_, ttl] : ttls_) {
    if (ttl.count() > 0 && (out.count() == 0 || ttl < out)) out = ttl;
  }
  return out;
}

std::unordered_map<std::string, int64_t> ExpiryPolicy::ttl_by_digest(
    const index::IndexSnapshot& snapshot) const {
  // digest hex -> the TTL it keeps: the longest of its upstreams', 0 wins.
  std::unordered_map<std::string, int64_t> ttl_of;
  for (const auto& link : snapshot.links) {
    auto it = ttls_.find(link.upstream);
    int64_t ttl = (it == ttls_.end() ? fallback_ : it->second).count();
    auto [entry, inserted] = ttl_of.try_emplace(link.digest.hex(), ttl);
    if (!inserted && entry->second != 0)
      entry->second = ttl == 0 ? 0 : std::max(entry->second, ttl);
  }
  return ttl_of;
}

config::Seconds ExpiryPolicy::longest() const {
  config::Seconds out = fallback_;
  for (const auto& [_, ttl] : ttls_) {
    if (out.count() == 0 || ttl.count() == 0) return config::Seconds(0);
    out = std::max(out, ttl);
  }
  return out;
}

std::vector<ExpiryPolicy::Expired> ExpiryPolicy::expired(const index::IndexSnapshot& snapshot,
                                                         int64_t now) const {
  const auto ttl_of = ttl_by_digest(snapshot);
  std::vector<Expired> out;
  for (const auto& object : snapshot.objects) {
    auto it = ttl_of.find(object.digest.hex());
    int64_t ttl = it == ttl_of.end() ? fallback_.count() : it->second;
    if (ttl <= 0) continue;
    int64_t cutoff = now - ttl;
    if (object.last_access < cutoff) out.push_back({object, cutoff});
  }
  return out;
}

}  // namespace regcache::lifecycle
