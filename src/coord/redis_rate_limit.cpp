#include "coord/redis_rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace regcache::coord {
namespace {

// ARGV[1]: microseconds per request; ARGV[2]: burst. Returns 0 (go ahead) or
// the milliseconds until the next request would be allowed.
constexpr std::string_view kGcra =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
    "local interval = tonumber(ARGV[1]) "
    "local window = tonumber(ARGV[2]) * interval "
    "local tat = tonumber(redis.call('GET', KEYS[1])) or now "
    "if tat < now then tat = now end "
    "local next_tat = tat + interval "
    "if next_tat - now > window then "
    "  return math.ceil((next_tat - now - window) / 1000) "
    "end "
    "redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', "
    "  string.format('%.0f', math.ceil((next_tat - now) / 1000))) "
    "return 0";

}  // namespace

RedisRateLimit::RedisRateLimit(std::shared_ptr<RedisClient> redis, std::string scope)
    : redis_(std::move(redis)), scope_(std::move(scope)) {}

std::string RedisRateLimit::key_of(const std::string& client) const {
  // Braces in the client key would change the hash tag; addresses have none.
  return "regcache:" + scope_ + ":rate:{" + client + "}";
}

std::optional<uint32_t> RedisRateLimit::acquire(const std::string& client, double per_second,
                                                double burst) {
  const double interval_us = 1e6 / std::max(per_second, 1e-6);
  auto reply = redis_->command({"EVAL", kGcra, "1", key_of(client),
                                std::to_string(static_cast<long long>(std::ceil(interval_us))),
                                std::to_string(static_cast<long long>(std::max(burst, 1.0)))});
  if (!reply || reply->type != RedisReply::Type::integer) return std::nullopt;
  if (reply->integer <= 0) return 0;
  const double seconds = std::ceil(static_cast<double>(reply->integer) / 1000.0);
  return static_cast<uint32_t>(std::clamp(seconds, 1.0, 86400.0));
}

}  // namespace regcache::coord
