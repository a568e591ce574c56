#include "coord/redis_cluster.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "coord/redis_hash_slot.hpp"

namespace regcache::coord {
namespace {

std::string address_of(const std::string& host, long long port) {
  return host + ":" + std::to_string(port);
}

bool same_command(std::string_view given, std::string_view name) {
  return given.size() == name.size() &&
         std::equal(given.begin(), given.end(), name.begin(),
                    [](char a, char b) { return std::toupper((unsigned char)a) == b; });
}

std::string describe_seeds(const std::vector<std::pair<std::string, int>>& seeds) {
  std::vector<std::string> names;
  for (const auto& [host, port] : seeds) names.push_back(address_of(host, port));
  return fmt::format("cluster {}", fmt::join(names, ","));
}

}  // namespace

RedisCluster::RedisCluster(std::vector<std::pair<std::string, int>> seeds, RedisSettings settings)
    : seeds_(std::move(seeds)), settings_(std::move(settings)), describe_(describe_seeds(seeds_)) {}

std::optional<std::string_view> RedisCluster::key_of(std::span<const std::string_view> args) {
  if (args.size() < 2) return std::nullopt;
  if (same_command(args[0], "EVAL") || same_command(args[0], "EVALSHA")) {
    if (args.size() > 3 && args[2] != "0") return args[3];
    return std::nullopt;
  }
  if (same_command(args[0], "PING") || same_command(args[0], "CLUSTER") ||
      same_command(args[0], "INFO")) {
    return std::nullopt;
  }
  return args[1];
}

RedisConnection& RedisCluster::node(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto& connection = nodes_[address];
  if (!connection) {
    // Password, timeouts and TLS as configured; the TLS name checked is this node's.
    RedisSettings settings = settings_;
    const auto colon = address.rfind(':');
    settings.host = address.substr(0, colon);
    settings.port = std::stoi(address.substr(colon + 1));
    connection = std::make_unique<RedisConnection>(settings);
  }
  return *connection;
}

std::optional<std::string> RedisCluster::node_for(std::optional<std::string_view> key) {
  std::lock_guard lock(mutex_);
  if (ranges_.empty()) return std::nullopt;
  if (!key) return ranges_.front().node;
  const auto slot = hash_slot(*key);
  for (const auto& range : ranges_) {
    if (range.first <= slot && slot <= range.last) return range.node;
  }
  return std::nullopt;  // an unassigned slot: the cluster is not ready
}

bool RedisCluster::load_slots(RedisConnection& from, const std::string& seed_host) {
  constexpr std::string_view kSlots[] = {"CLUSTER", "SLOTS"};
  auto reply = from.exchange(kSlots);
  if (!reply) return false;
  std::vector<Range> ranges;
  if (reply->type == RedisReply::Type::error) {
    if (reply->text.find("cluster support disabled") == std::string::npos) {
      spdlog::warn("redis {}: CLUSTER SLOTS: {}", from.describe(), reply->text);
      return false;
    }
    // A plain server (not in cluster mode) serves every slot.
    ranges.push_back({0, static_cast<uint16_t>(kRedisSlots - 1), from.describe()});
  } else if (reply->type == RedisReply::Type::array) {
    for (const auto& entry : reply->elements) {
      const auto& e = entry.elements;
      if (e.size() < 3 || e[2].elements.size() < 2) continue;
      const auto& master = e[2].elements;
      // An empty host means "the address you asked me on".
      std::string host = master[0].text.empty() ? seed_host : master[0].text;
      ranges.push_back({static_cast<uint16_t>(e[0].integer), static_cast<uint16_t>(e[1].integer),
                        address_of(host, master[1].integer)});
    }
  }
  if (ranges.empty()) {
    spdlog::warn("redis {}: no hash slots are assigned yet", from.describe());
    return false;
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.first < b.first; });
  std::lock_guard lock(mutex_);
  ranges_ = std::move(ranges);
  stale_ = false;
  return true;
}

bool RedisCluster::refresh() {
  std::lock_guard reload(refresh_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (!stale_) return true;  // another thread just reloaded it
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_at_) return false;
  std::vector<std::pair<std::string, std::string>> candidates;  // address, host
  for (const auto& [host, port] : seeds_) candidates.emplace_back(address_of(host, port), host);
  {
    std::lock_guard lock(mutex_);
    for (const auto& [address, _] : nodes_) {
      candidates.emplace_back(address, address.substr(0, address.rfind(':')));
    }
  }
  for (const auto& [address, host] : candidates) {
    if (load_slots(node(address), host)) {
      if (down_) {
        spdlog::info("redis {}: reachable again; fetches are coordinated across nodes", describe_);
        down_ = false;
      }
      return true;
    }
  }
  retry_at_ = now + RedisConnection::kRetryDelay;
  if (!down_) {
    spdlog::warn(
        "redis {}: no node tells the slot map; nodes fetch without coordination until it "
        "answers again",
        describe_);
    down_ = true;
  }
  return false;
}

std::optional<RedisReply> RedisCluster::command(std::span<const std::string_view> args) {
  const auto key = key_of(args);
  std::optional<std::string> target;
  bool asking = false;
  for (int attempt = 0; attempt <= kMaxRedirects; ++attempt) {
    if (!target) {
      bool stale = false;
      {
        std::lock_guard lock(mutex_);
        stale = stale_;
      }
      if (stale && !refresh()) return std::nullopt;
      target = node_for(key);
      if (!target) return std::nullopt;
    }
    auto reply = node(*target).exchange(args, asking);
    asking = false;
    if (!reply) {
      // The node is gone: its slots may have moved to a replica that took over.
      {
        std::lock_guard lock(mutex_);
        stale_ = true;
      }
      if (!refresh()) return std::nullopt;
      auto next = node_for(key);
      if (!next || *next == *target) return std::nullopt;
      target = std::move(next);
      continue;
    }
    if (reply->type != RedisReply::Type::error) return reply;
    // "MOVED <slot> <host:port>": the slot lives there now; "ASK ...": this once.
    const std::string& error = reply->text;
    const bool moved = error.starts_with("MOVED ");
    if (moved || error.starts_with("ASK ")) {
      const auto space = error.rfind(' ');
      if (moved) {
        std::lock_guard lock(mutex_);
        stale_ = true;  // reloaded before the next command
      }
      target = error.substr(space + 1);
      asking = !moved;
      continue;
    }
    spdlog::warn("redis {}: {}", *target, error);
    return std::nullopt;
  }
  spdlog::warn("redis {}: more than {} redirections for one command", describe_, kMaxRedirects);
  return std::nullopt;
}

}  // namespace regcache::coord
