#pragma once
// RedisCluster: a Redis Cluster client over one RedisConnection per node. It
// learns which node serves which hash slot (CLUSTER SLOTS, from any seed or
// known node), sends each command to the node of its key's slot, follows MOVED
// (and then reloads the slot map) and ASK (a slot being migrated) redirections,
// and answers nullopt when no node can be reached, so callers fall back to
// node-local work as with a single Redis. A seed that is not in cluster mode
// serves every slot: `redis.addrs` with one plain server works too.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coord/redis_client.hpp"
#include "coord/redis_connection.hpp"

namespace regcache::coord {

class RedisCluster final : public RedisClient {
 public:
  static constexpr int kMaxRedirects = 5;

  // `settings` gives password and timeouts (host and port come from `seeds`).
  RedisCluster(std::vector<std::pair<std::string, int>> seeds, RedisSettings settings);

  using RedisClient::command;
  std::optional<RedisReply> command(std::span<const std::string_view> args) override;
  std::string describe() const override { return describe_; }

  // Which key a command routes by (its first key), if any.
  static std::optional<std::string_view> key_of(std::span<const std::string_view> args);

 private:
  struct Range {
    uint16_t first;
    uint16_t last;
    std::string node;  // "host:port"
  };

  RedisConnection& node(const std::string& address);
  std::optional<std::string> node_for(std::optional<std::string_view> key);
  bool refresh();
  bool load_slots(RedisConnection& from, const std::string& seed_host);

  const std::vector<std::pair<std::string, int>> seeds_;
  const RedisSettings settings_;
  const std::string describe_;
  std::mutex refresh_mutex_;  // one slot-map reload at a time (taken before mutex_)
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<RedisConnection>> nodes_;  // guarded by mutex_
  std::vector<Range> ranges_;                                      // guarded by mutex_
  bool stale_ = true;                                              // guarded by mutex_
  std::chrono::steady_clock::time_point retry_at_{};               // guarded by refresh_mutex_
  bool down_ = false;                                              // guarded by refresh_mutex_
};

}  // namespace regcache::coord
