#include "coord/redis_lifecycle_coordination.hpp"

#include <spdlog/spdlog.h>

namespace regcache::coord {
namespace {

// 1: renewed (held), 2: taken (was free), 0: another node holds it.
constexpr std::string_view kElect =
    "local v = redis.call('get', KEYS[1]) "
    "if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end "
    "if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end "
    "return 0";
constexpr std::string_view kRelease =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";

// Members per ZADD/ZREM (a command stays small).
constexpr size_t kBatch = 256;

}  // namespace

RedisLifecycleCoordination::RedisLifecycleCoordination(RedisSettings settings, std::string scope,
                                                       const RedisFetchCoordinator& leases)
    : redis_(std::move(settings)),
      leases_(leases),
      lock_key_("regcache:" + scope + ":collector"),
      access_key_("regcache:" + scope + ":access") {}

lifecycle::CollectorCoordination::Role RedisLifecycleCoordination::elect() {
  auto reply = redis_.command({"EVAL", kElect, "1", lock_key_, leases_.node_id(),
                               std::to_string(std::chrono::milliseconds(kLockLease).count())});
  if (!reply || reply->type != RedisReply::Type::integer) return Role::unavailable;
  return reply->integer == 0 ? Role::follower : Role::collector;
}

void RedisLifecycleCoordination::resign() {
  redis_.command({"EVAL", kRelease, "1", lock_key_, leases_.node_id()});
}

void RedisLifecycleCoordination::record_access(
    const std::vector<std::pair<std::string, int64_t>>& accesses) {
  std::lock_guard lock(mutex_);
  for (const auto& [hex, when] : accesses) {
    if (pending_.size() >= kMaxPending && !pending_.contains(hex)) continue;
    auto& slot = pending_[hex];
    slot = std::max(slot, when);
  }
}

void RedisLifecycleCoordination::flush_access() {
  std::unordered_map<std::string, int64_t> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  std::vector<std::string> args;
  auto send = [&] {
    if (args.size() <= 3) return true;
    bool ok = redis_.command_argv(args).has_value();
    args = {"ZADD", access_key_, "GT"};
    return ok;
  };
  args = {"ZADD", access_key_, "GT"};
  bool ok = true;
  for (auto it = batch.begin(); it != batch.end() && ok; ++it) {
    args.push_back(std::to_string(it->second));
    args.push_back(it->first);
    if (args.size() >= 3 + 2 * kBatch) ok = send();
  }
  if (ok) ok = send();
  if (ok) return;
  // Redis is away: keep what was not sent (ZADD GT makes resending harmless).
  std::vector<std::pair<std::string, int64_t>> keep(batch.begin(), batch.end());
  record_access(keep);
}

std::optional<std::unordered_map<std::string, int64_t>> RedisLifecycleCoordination::last_access() {
  auto reply = redis_.command({"ZRANGE", access_key_, "0", "-1", "WITHSCORES"});
  if (!reply || reply->type != RedisReply::Type::array) return std::nullopt;
  std::unordered_map<std::string, int64_t> out;
  const auto& e = reply->elements;
  for (size_t i = 0; i + 1 < e.size(); i += 2) {
    try {
      out[e[i].text] = static_cast<int64_t>(std::stod(e[i + 1].text));
    } catch (const std::exception&) {
      // not written by regcache: ignore
    }
  }
  return out;
}

void RedisLifecycleCoordination::forget(const std::vector<std::string>& hexes) {
  std::vector<std::string> args = {"ZREM", access_key_};
  for (const auto& hex : hexes) {
    args.push_back(hex);
    if (args.size() >= 2 + kBatch) {
      redis_.command_argv(args);
      args = {"ZREM", access_key_};
    }
  }
  if (args.size() > 2) redis_.command_argv(args);
}

bool RedisLifecycleCoordination::fetching(const registry::Digest& digest) {
  auto reply = redis_.command({"EXISTS", leases_.key_of(digest)});
  if (!reply || reply->type != RedisReply::Type::integer) return true;  // cannot tell: keep it
  return reply->integer != 0;
}

}  // namespace regcache::coord
