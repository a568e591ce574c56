#pragma once
// FetchCoordinator: which node of several sharing one content store fetches an
// uncached blob from upstream. A node claims the digest before downloading; the
// claim is a lease that lapses if the node dies, so another one takes over.
// Without coordination (one node, or the coordinator unreachable) every node
// fetches on its own: BlobFetcher's node-local single flight still holds.

#include <cstdint>
#include <stop_token>
#include <string>

#include "registry/digest.hpp"
#include "upstream/blob_sink.hpp"

namespace regcache::cache {

class FetchCoordinator {
 public:
  enum class Claim {
    won,             // this node fetches; release() when done
    held_elsewhere,  // another node is fetching: wait for the content store
    unavailable,     // no coordination right now: fetch locally
  };

  virtual ~FetchCoordinator() = default;
  // Blocking (worker threads). Renews the claim until release().
  virtual Claim claim(const registry::Digest& digest) = 0;
  virtual void release(const registry::Digest& digest) = 0;

  // Follows the download of the node holding the claim, from byte 0, into
  // `sink` as the bytes reach that node (blocking until it ends). `complete`:
  // the whole blob arrived, its last byte released by the holder only after
  // verifying it. Nothing delivered when the holder cannot be followed.
  struct Followed {
    uint64_t delivered = 0;
    bool complete = false;
  };
  virtual Followed follow_holder(const registry::Digest& /*digest*/, upstream::BlobSink& /*sink*/,
                                 const std::stop_token& /*stop*/) {
    return {};
  }
};

}  // namespace regcache::cache
