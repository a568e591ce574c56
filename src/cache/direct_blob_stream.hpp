#pragma once
// DirectBlobStream: one client's own upstream transfer of a blob that is not
// cached, used while caching is paused (storage full or failing, see
// StorageStatus) and by clients whose shared download lost its staging file.
//
// Memory is bounded per stream: the upstream transfer (on a worker thread)
// waits while kWindow bytes are queued and the client has not taken them. The
// SHA-256 is checked as bytes pass; the consumer must hold back the final byte
// until state() is `complete`, exactly as with InflightFetch, so a client never
// receives mismatched bytes as a complete answer.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "registry/digest.hpp"
#include "upstream/upstream_registry.hpp"
#include "util/asio.hpp"

namespace regcache::cache {

class DirectBlobStream {
 public:
  static constexpr size_t kWindow = 1024 * 1024;

  enum class State { starting, streaming, complete, failed };

  explicit DirectBlobStream(registry::Digest digest) : digest_(std::move(digest)) {}
  ~DirectBlobStream() { cancel(); }

  // Starts the transfer on `workers`. The stream keeps itself alive until the
  // transfer ends; `on_end` runs then (on the worker thread).
  static std::shared_ptr<DirectBlobStream> start(asio::thread_pool& workers,
                                                 upstream::UpstreamRegistry& client,
                                                 std::string repository, registry::Digest digest,
                                                 std::function<void()> on_end);

  const registry::Digest& digest() const { return digest_; }
  State state() const;
  std::optional<uint64_t> total_size() const;
  std::optional<upstream::UpstreamFailure> failure() const;

  // Consumer side: moves up to `max` queued bytes into `out` (appends).
  size_t take(std::string& out, size_t max);
  // Calls `wake` once when bytes arrive or the state changes (at once if some
  // are queued or the stream has ended). Runs on the producer's thread.
  void notify_when_ready(std::function<void()> wake);
  // The client went away: the transfer stops at its next chunk.
  void cancel();

 private:
  class Sink;
  void run(upstream::UpstreamRegistry& client, const std::string& repository);
  void wake_all(std::unique_lock<std::mutex>& lock);

  const registry::Digest digest_;
  std::stop_source stop_;
  mutable std::mutex mutex_;
  std::condition_variable room_;  // the producer waits here while the window is full
  State state_ = State::starting;
  std::optional<uint64_t> total_;
  std::string queue_;
  std::optional<upstream::UpstreamFailure> failure_;
  std::vector<std::function<void()>> waiters_;
};

}  // namespace regcache::cache
