#pragma once
// SharedTokenStore: bearer tokens shared by the nodes of one cache (through
// Redis, coord/RedisTokenStore), so that nodes pulling the same repositories
// ask the token server once per scope, not once per node. TokenCache keeps its
// in-process cache in front; when the store cannot be reached the node fetches
// on its own.

#include <chrono>
#include <functional>
#include <string>

#include "upstream/upstream_failure.hpp"
#include "util/result.hpp"

namespace regcache::upstream {

struct FetchedToken {
  std::string token;
  std::chrono::seconds lifetime{60};  // from when it was fetched (or read from the store)
};

class SharedTokenStore {
 public:
  using Fetch = std::function<Result<FetchedToken, UpstreamFailure>()>;
  virtual ~SharedTokenStore() = default;

  // A token another node stored under `key` (with what is left of its
  // lifetime), or the result of `fetch`, then stored for the others until it
  // expires. While one node fetches a key the others wait briefly for it.
  virtual Result<FetchedToken, UpstreamFailure> fetch_through(const std::string& key,
                                                              const Fetch& fetch) = 0;
  // The registry rejected `token`: no node should use it any longer.
  virtual void forget(const std::string& key, const std::string& token) = 0;
};

}  // namespace regcache::upstream
