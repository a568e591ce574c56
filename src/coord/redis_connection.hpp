#pragma once
// RedisConnection: one connection to Redis (coord/RedisSocket: plain TCP or
// TLS) with dial and I/O timeouts, shared by the threads of one node (a mutex
// around each command; commands are tiny). hiredis formats the commands and
// parses the replies; the bytes travel over our own socket.
// A single Redis server, or one node of a Redis Cluster (coord/RedisCluster).
// When Redis cannot be used it says so once in the log, answers nullopt at
// once for kRetryDelay (no thread waits on a dead server), then tries again.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coord/redis_client.hpp"
#include "coord/redis_socket.hpp"
#include "coord/redis_tls.hpp"

struct redisReader;

namespace regcache::coord {

struct RedisSettings {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
  std::chrono::milliseconds dial_timeout{500};
  std::chrono::milliseconds io_timeout{500};
  std::shared_ptr<const RedisTls> tls;  // nullptr: plain TCP
};

class RedisConnection final : public RedisClient {
 public:
  static constexpr std::chrono::seconds kRetryDelay{2};

  explicit RedisConnection(RedisSettings settings);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  using RedisClient::command;
  std::optional<RedisReply> command(std::span<const std::string_view> args) override;
  // Like command(), but error replies come back as Type::error, unlogged (a
  // cluster's MOVED and ASK). `asking`: send ASKING first, in the same turn.
  std::optional<RedisReply> exchange(std::span<const std::string_view> args, bool asking = false);
  std::string describe() const override {
    return settings_.host + ":" + std::to_string(settings_.port);
  }

 private:
  bool connect_locked();
  void mark_down_locked(const std::string& why);
  // Sends `commands` (formatted, in one write) and reads as many replies.
  // nullopt: the connection failed, `error` says why.
  std::optional<std::vector<RedisReply>> round_trip_locked(
      std::span<const std::vector<std::string_view>> commands, std::string& error);

  const RedisSettings settings_;
  std::mutex mutex_;
  std::unique_ptr<RedisSocket> socket_;
  redisReader* reader_ = nullptr;  // replies of socket_, parsed by hiredis
  bool connected_before_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
  bool down_ = false;  // reported as down (logged once per outage)
};

}  // namespace regcache::coord
