#include "coord/redis_fetch_coordinator.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "coord/peer_follower.hpp"

namespace regcache::coord {
namespace {

// Only the holder may extend or drop its lease.
constexpr std::string_view kRenew =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
constexpr std::string_view kRelease =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";

std::string make_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  // The ID is what lets other nodes past this node's access controls when they
  // follow a download here (api/PeerHandler): 128 random bits, not guessable.
  std::random_device random;
  return fmt::format("{}/{}/{:08x}{:08x}{:08x}{:08x}", host, getpid(), random(), random(), random(),
                     random());
}

}  // namespace

RedisFetchCoordinator::RedisFetchCoordinator(std::shared_ptr<RedisClient> redis, std::string scope,
                                             std::chrono::milliseconds lease, std::string node_url,
                                             std::chrono::seconds stall)
    : redis_ptr_(std::move(redis)),
      redis_(*redis_ptr_),
      scope_(std::move(scope)),
      node_id_(make_node_id()),
      lease_(lease),
      node_url_(std::move(node_url)),
      stall_(stall),
      renewer_([this](std::stop_token stop) { renew_loop(stop); }) {
  spdlog::info(
      "redis {}: coordinating upstream fetches as node {} (lease {} ms; others follow "
      "this node's downloads at {})",
      redis_.describe(), node_id_, lease_.count(),
      node_url_.empty() ? "nowhere: they wait for the store" : node_url_);
}

RedisFetchCoordinator::~RedisFetchCoordinator() {
  renewer_.request_stop();
  renew_wakeup_.notify_all();
}

std::string RedisFetchCoordinator::key_of(const registry::Digest& digest) const {
  return "regcache:" + scope_ + ":{" + digest.hex() + "}:fetch";
}

cache::FetchCoordinator::Claim RedisFetchCoordinator::claim(const registry::Digest& digest) {
  const auto key = key_of(digest);
  auto reply = redis_.command(
      {"SET", key, node_id_ + " " + node_url_, "NX", "PX", std::to_string(lease_.count())});
  if (!reply) return Claim::unavailable;
  if (reply->type != RedisReply::Type::text) return Claim::held_elsewhere;  // nil: not set
  std::lock_guard lock(mutex_);
  ++held_[key];
  return Claim::won;
}

void RedisFetchCoordinator::release(const registry::Digest& digest) {
  const auto key = key_of(digest);
  {
    std::lock_guard lock(mutex_);
    auto it = held_.find(key);
    if (it == held_.end()) return;
    if (--it->second > 0) return;
    held_.erase(it);
  }
  redis_.command({"EVAL", kRelease, "1", key, node_id_ + " " + node_url_});
}

cache::FetchCoordinator::Followed RedisFetchCoordinator::follow_holder(
    const registry::Digest& digest, upstream::BlobSink& sink, const std::stop_token& stop) {
  auto reply = redis_.command({"GET", key_of(digest)});
  if (!reply || reply->type != RedisReply::Type::text) return {};
  auto space = reply->text.find(' ');
  if (space == std::string::npos) return {};
  std::string holder = reply->text.substr(0, space);
  std::string url = reply->text.substr(space + 1);
  if (holder == node_id_ || url.empty()) return {};
  return follow_peer(url, holder, digest, sink, stop, stall_, trust_);
}

void RedisFetchCoordinator::renew_loop(std::stop_token stop) {
  const auto period = std::max(std::chrono::milliseconds(100), lease_ / 3);
  const auto lease = std::to_string(lease_.count());
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      renew_wakeup_.wait_for(lock, stop, period, [] { return false; });
    }
    std::vector<std::string> keys;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [key, _] : held_) keys.push_back(key);
    }
    // Idle: a PING notices an outage (and the recovery) before a download needs Redis.
    if (keys.empty()) redis_.command({"PING"});
    for (const auto& key : keys) {
      auto reply = redis_.command({"EVAL", kRenew, "1", key, node_id_ + " " + node_url_, lease});
      if (reply && reply->type == RedisReply::Type::integer && reply->integer == 0) {
        // Expired (Redis was away longer than the lease): another node may fetch it too.
        spdlog::warn("redis: lost the fetch lease {}; another node may fetch it as well", key);
      }
    }
  }
}

}  // namespace regcache::coord
