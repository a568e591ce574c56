#pragma once
// RedisClient: what the coordination code needs from Redis, one server
// (RedisConnection) or a Redis Cluster (RedisCluster) alike. Calls block the
// calling thread for at most the configured timeouts: never call from an I/O
// thread (offload, as access::AccessHandler does).

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace regcache::coord {

struct RedisReply {
  enum class Type { nil, integer, text, array, error } type = Type::nil;
  long long integer = 0;
  std::string text;  // string, status and error replies
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  virtual ~RedisClient() = default;

  // nullopt: unreachable, timed out or an error reply (logged). Every key a
  // command names must hash to one cluster slot (use a {hash tag}).
  virtual std::optional<RedisReply> command(std::span<const std::string_view> args) = 0;
  std::optional<RedisReply> command(std::initializer_list<std::string_view> args) {
    return command(std::span<const std::string_view>(args.begin(), args.size()));
  }
  virtual std::string describe() const = 0;
};

}  // namespace regcache::coord
