#include "coord/redis_tag_revalidation.hpp"

#include <spdlog/spdlog.h>

#include <random>
#include <thread>

#include "util/sha256.hpp"

namespace regcache::coord {
namespace {

// Only the holder drops the lease (it may have expired and been taken again).
constexpr std::string_view kDeleteIfEqual =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";

std::string random_holder() {
  std::random_device random;
  return std::to_string(random()) + "-" + std::to_string(random());
}

}  // namespace

RedisTagRevalidation::RedisTagRevalidation(std::shared_ptr<RedisClient> redis, std::string scope,
                                           std::chrono::milliseconds lease,
                                           std::chrono::milliseconds poll)
    : redis_(std::move(redis)),
      scope_(std::move(scope)),
      lease_(lease),
      poll_(poll),
      holder_(random_holder()) {}

std::string RedisTagRevalidation::redis_key(const std::string& key) const {
  return "regcache:" + scope_ + ":{" + Sha256::hex_of(key).substr(0, 32) + "}:tag-revalidate";
}

bool RedisTagRevalidation::wait_for_other(const std::string& key,
                                          const std::function<bool()>& fresh, std::string& lease) {
  lease.clear();
  const auto lock_key = redis_key(key);
  const auto mine = holder_ + "-" + std::to_string(++claims_);
  auto claim = redis_->command({"SET", lock_key, mine, "NX", "PX", std::to_string(lease_.count())});
  if (!claim) return false;  // Redis unreachable: revalidate here
  if (claim->type == RedisReply::Type::text) {
    // The previous holder may have written the record and released the lease
    // since this node last read it.
    if (fresh()) {
      release(key, mine);
      return true;
    }
    lease = mine;
    return false;
  }
  // Another node (or request) is revalidating: its tag record shows up in a moment.
  const auto deadline = std::chrono::steady_clock::now() + lease_;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(poll_);
    if (fresh()) return true;
    auto held = redis_->command({"EXISTS", lock_key});
    if (!held || held->integer == 0) {
      // Released (or expired) without a fresh record: upstream failed there,
      // or the record landed just now.
      if (fresh()) return true;
      break;
    }
  }
  spdlog::debug("redis: no other node's revalidation of {} ({}); revalidating here", key, lock_key);
  return false;
}

void RedisTagRevalidation::release(const std::string& key, const std::string& lease) {
  if (lease.empty()) return;
  redis_->command({"EVAL", kDeleteIfEqual, "1", redis_key(key), lease});
}

}  // namespace regcache::coord
