#include "coord/redis_token_store.hpp"

#include <spdlog/spdlog.h>

#include <random>
#include <thread>

#include "util/sha256.hpp"

namespace regcache::coord {
namespace {

constexpr std::string_view kRead =
    "local t = redis.call('get', KEYS[1]) "
    "if not t then return nil end "
    "return {t, redis.call('pttl', KEYS[1])}";
// Only the holder drops the fetch lock; the token only if it is still that one.
constexpr std::string_view kDeleteIfEqual =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";
constexpr std::chrono::milliseconds kPoll{50};
constexpr std::chrono::seconds kFetchLock{10};

std::string random_holder() {
  std::random_device random;
  return std::to_string(random()) + "-" + std::to_string(random());
}

}  // namespace

RedisTokenStore::RedisTokenStore(std::shared_ptr<RedisClient> redis, std::string scope,
                                 std::chrono::milliseconds wait)
    : redis_(std::move(redis)), scope_(std::move(scope)), wait_(wait), holder_(random_holder()) {}

std::string RedisTokenStore::redis_key(const std::string& key) const {
  return "regcache:" + scope_ + ":{" + Sha256::hex_of(key).substr(0, 32) + "}:token";
}

RedisTokenStore::Lookup RedisTokenStore::lookup(const std::string& redis_key) {
  auto reply = redis_->command({"EVAL", kRead, "1", redis_key});
  if (!reply) return {};
  Lookup found{.reachable = true};
  if (reply->type == RedisReply::Type::array && reply->elements.size() == 2) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::milliseconds(reply->elements[1].integer));
    // Expiring within a second: not worth handing out.
    if (left.count() >= 1) found.token = upstream::FetchedToken{reply->elements[0].text, left};
  }
  return found;
}

void RedisTokenStore::publish(const std::string& redis_key, const upstream::FetchedToken& token) {
  if (token.lifetime.count() < 2) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(token.lifetime);
  redis_->command({"SET", redis_key, token.token, "PX", std::to_string(ms.count())});
}

Result<upstream::FetchedToken, upstream::UpstreamFailure> RedisTokenStore::fetch_through(
    const std::string& key, const Fetch& fetch) {
  const auto token_key = redis_key(key);
  const auto lock_key = token_key + "-fetch";
  auto found = lookup(token_key);
  if (!found.reachable) return fetch();
  if (found.token) return *found.token;

  auto claim = redis_->command(
      {"SET", lock_key, holder_, "NX", "PX",
       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(kFetchLock).count())});
  if (claim && claim->type == RedisReply::Type::nil) {
    // Another node is fetching this scope: its token shows up in a moment.
    const auto deadline = std::chrono::steady_clock::now() + wait_;
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kPoll);
      found = lookup(token_key);
      if (found.token) return *found.token;
      if (!found.reachable) break;
    }
    spdlog::debug("redis: no other node's token for {} after {} ms; fetching it", token_key,
                  wait_.count());
  }
  auto fetched = fetch();
  if (fetched.ok()) publish(token_key, *fetched);
  if (claim && claim->type == RedisReply::Type::text) {
    redis_->command({"EVAL", kDeleteIfEqual, "1", lock_key, holder_});
  }
  return fetched;
}

void RedisTokenStore::forget(const std::string& key, const std::string& token) {
  redis_->command({"EVAL", kDeleteIfEqual, "1", redis_key(key), token});
}

}  // namespace regcache::coord
