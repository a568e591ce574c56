#pragma once
// follow_peer: GET <node_url>/_regcache/inflight/sha256:<hex> on the node that
// holds a fetch lease (api/PeerHandler answers it from that node's download in
// progress), delivering the bytes to `sink` as they arrive. Blocking.

#include <chrono>
#include <stop_token>
#include <string>

#include "cache/fetch_coordinator.hpp"

namespace regcache::coord {

// How a follower checks a node's https certificate.
struct PeerTrust {
  std::string ca_file;  // trusted besides the system CAs; empty: system CAs only
  bool skip_verify = false;
};

// `token` is the holder's node ID, as read from the lease (the holder only
// answers callers that can read Redis). `stall`: no byte for this long ends it.
cache::FetchCoordinator::Followed follow_peer(const std::string& node_url, const std::string& token,
                                              const registry::Digest& digest,
                                              upstream::BlobSink& sink, const std::stop_token& stop,
                                              std::chrono::seconds stall,
                                              const PeerTrust& trust = {});

}  // namespace regcache::coord
