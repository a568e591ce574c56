#pragma once
// RedisFetchCoordinator: the fetch lease of one digest is the Redis key
// regcache:<scope>:{<hex>}:fetch, set with NX and an expiry (the lease time)
// to this node's ID. The holder renews it every third of the lease time while
// it downloads and deletes it when done (both only if it still holds it, in
// one Lua step). A node that dies stops renewing: the key expires and a
// waiting node claims it. `scope` (bucket and prefix) keeps caches that share
// a Redis apart; the {hex} hash tag keeps one digest's keys in one Redis
// Cluster slot. The lease's value is "<node ID> <node URL>": the others follow
// the download there while it runs.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cache/fetch_coordinator.hpp"
#include "coord/peer_follower.hpp"
#include "coord/redis_client.hpp"

namespace regcache::coord {

class RedisFetchCoordinator final : public cache::FetchCoordinator {
 public:
  // `node_url`: where the other nodes reach this one to follow its downloads
  // (api/PeerHandler); empty: they wait for the blob in the store instead.
  // `redis`: one server or a cluster, shared with the node's other Redis users.
  RedisFetchCoordinator(std::shared_ptr<RedisClient> redis, std::string scope,
                        std::chrono::milliseconds lease, std::string node_url = {},
                        std::chrono::seconds stall = std::chrono::seconds(30));
  ~RedisFetchCoordinator() override;

  Claim claim(const registry::Digest& digest) override;
  void release(const registry::Digest& digest) override;
  Followed follow_holder(const registry::Digest& digest, upstream::BlobSink& sink,
                         const std::stop_token& stop) override;

  const std::string& node_id() const { return node_id_; }
  // Before use: how to check the other nodes' https certificates.
  void trust_peers(PeerTrust trust) { trust_ = std::move(trust); }
  std::string key_of(const registry::Digest& digest) const;

 private:
  void renew_loop(std::stop_token stop);

  const std::shared_ptr<RedisClient> redis_ptr_;
  RedisClient& redis_;
  const std::string scope_;
  const std::string node_id_;
  const std::chrono::milliseconds lease_;
  const std::string node_url_;
  const std::chrono::seconds stall_;
  PeerTrust trust_;
  std::mutex mutex_;
  std::condition_variable_any renew_wakeup_;
  std::map<std::string, int> held_;  // key -> number of claims on this node
  std::jthread renewer_;
};

}  // namespace regcache::coord
