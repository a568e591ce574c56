#pragma once
// RedisConnection: one hiredis connection with dial and I/O timeouts, shared by
// the threads of one node (a mutex around each command; commands are tiny).
// When Redis cannot be used it says so once in the log, answers nullopt at
// once for kRetryDelay (no thread waits on a dead server), then tries again.

#include <chrono>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace regcache::coord {

struct RedisSettings {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
  std::chrono::milliseconds dial_timeout{500};
  std::chrono::milliseconds io_timeout{500};
};

struct RedisReply {
  enum class Type { nil, integer, text, array } type = Type::nil;
  long long integer = 0;
  std::string text;  // string and status replies
  std::vector<RedisReply> elements;
};

class RedisConnection {
 public:
  static constexpr std::chrono::seconds kRetryDelay{2};

  explicit RedisConnection(RedisSettings settings);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // nullopt: unreachable, timed out or an error reply (logged).
  std::optional<RedisReply> command(std::initializer_list<std::string_view> args);
  // The same with a variable number of arguments (batched ZADD/ZREM).
  std::optional<RedisReply> command_argv(const std::vector<std::string>& args);
  std::string describe() const { return settings_.host + ":" + std::to_string(settings_.port); }

 private:
  bool connect_locked();
  std::optional<RedisReply> run(std::vector<const char*>& argv, std::vector<size_t>& lengths);
  void mark_down_locked(const std::string& why);

  const RedisSettings settings_;
  std::mutex mutex_;
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point retry_at_{};
  bool down_ = false;  // reported as down (logged once per outage)
};

}  // namespace regcache::coord
