#pragma once
// RedisTokenStore: upstream bearer tokens shared by the nodes of one cache.
// A token lives at regcache:<scope>:{<h>}:token with the token's own expiry
// (PX), h = SHA-256 of (account, realm, service, scope): nodes that need the
// same scope ask the token server once. The node that fetches holds
// regcache:<scope>:{<h>}:token-fetch for a while (SET NX PX); the others poll
// the token key until it appears (at most `wait`), then fetch themselves.
// Redis unreachable: every node fetches on its own, as without Redis.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "coord/redis_client.hpp"
#include "upstream/shared_token_store.hpp"

namespace regcache::coord {

class RedisTokenStore final : public upstream::SharedTokenStore {
 public:
  RedisTokenStore(std::shared_ptr<RedisClient> redis, std::string scope,
                  std::chrono::milliseconds wait = std::chrono::seconds(5));

  Result<upstream::FetchedToken, upstream::UpstreamFailure> fetch_through(
      const std::string& key, const Fetch& fetch) override;
  void forget(const std::string& key, const std::string& token) override;

  std::string redis_key(const std::string& key) const;

 private:
  struct Lookup {
    bool reachable = false;
    std::optional<upstream::FetchedToken> token;
  };
  Lookup lookup(const std::string& redis_key);
  void publish(const std::string& redis_key, const upstream::FetchedToken& token);

  const std::shared_ptr<RedisClient> redis_;
  const std::string scope_;
  const std::chrono::milliseconds wait_;
  const std::string holder_;  // this node's value in the fetch lock
};

}  // namespace regcache::coord
