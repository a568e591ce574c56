#pragma once
// CollectorCoordination: what the lifecycle of a bucket shared by several
// nodes needs from the others (coord/RedisLifecycleCoordination implements it
// on Redis):
//  - an election, so exactly one node at a time runs TTL and budget passes
//    over the bucket (the collector);
//  - a shared record of last access times, so "least recently used" and
//    "unused for its TTL" mean "by any node";
//  - whether a node holds the fetch lease of a blob (it is being written).

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "registry/digest.hpp"

namespace regcache::lifecycle {

class CollectorCoordination {
 public:
  virtual ~CollectorCoordination() = default;

  enum class Role { collector, follower, unavailable };
  // Takes the collector lock when it is free, renews it when this node holds it.
  virtual Role elect() = 0;
  // Gives the lock up (shutdown), so another node takes over at once.
  virtual void resign() = 0;

  // Buffers this node's access times (digest hex, unix seconds); cheap, any thread.
  virtual void record_access(const std::vector<std::pair<std::string, int64_t>>& accesses) = 0;
  // Sends the buffered access times (the housekeeper's thread).
  virtual void flush_access() = 0;
  // Last access by any node, by digest hex; nullopt when it cannot be read.
  virtual std::optional<std::unordered_map<std::string, int64_t>> last_access() = 0;
  // Drops the access records of removed objects.
  virtual void forget(const std::vector<std::string>& hexes) = 0;

  // A node holds the fetch lease of `digest` (or that cannot be known).
  virtual bool fetching(const registry::Digest& digest) = 0;
};

}  // namespace regcache::lifecycle
