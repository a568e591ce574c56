#pragma once
// InflightFetch: one upstream download of one blob, followed by any number of
// clients. The download appends to a staging file and publishes how many bytes
// are on disk; each client reads the file up to that length and waits for more.
// A late joiner starts from byte 0 of the same file; a client that goes away
// does not affect the download.
//
// Followers must hold back the final byte until state() is `complete`: only
// then has the digest been verified. On `failed` they abort their response, so
// no client ever receives mismatched bytes as a complete answer.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "registry/digest.hpp"
#include "storage/content_store.hpp"
#include "upstream/upstream_failure.hpp"

namespace regcache::cache {

class InflightFetch {
 public:
  // verified: every byte is on the staging file and matches the digest; it is
  // being made durable and published. complete: published (or could not be
  // stored, the bytes still good for the clients already streaming them).
  enum class State { starting, streaming, verified, complete, failed };

  struct Progress {
    State state = State::starting;
    uint64_t available = 0;               // bytes on disk, readable by followers
    std::optional<uint64_t> total_size;  // known once streaming (if upstream declared it)
  };

  // `upstream` and `repository` name where the download comes from: a request
  // for the same repository joins it without asking upstream for confirmation.
  InflightFetch(registry::Digest digest, std::string upstream = {}, std::string repository = {})
      : digest_(std::move(digest)),
        upstream_(std::move(upstream)),
        repository_(std::move(repository)) {}

  const registry::Digest& digest() const { return digest_; }
  bool fetched_for(const std::string& upstream, const std::string& repository) const {
    return upstream == upstream_ && repository == repository_;
  }
  Progress progress() const;
  // Descriptor of the staging file; valid while this object lives (also after
  // the file was published under its digest). -1 before the download started.
  int file_descriptor() const;
  std::optional<upstream::UpstreamFailure> failure() const;
  // True when the download failed because the cache storage could not take the
  // bytes (not because of upstream): followers continue with their own
  // uncached upstream stream (DirectBlobStream) from where they are.
  bool storage_failed() const;

  // Calls `wake` once, as soon as progress differs from `seen` (immediately,
  // without registering, when it already does). `wake` runs on the download's
  // thread: it must only post work elsewhere.
  void notify_when_changed(const Progress& seen, std::function<void()> wake);

  // Producer side (the download).
  void begin(std::unique_ptr<storage::StagingFile> file, std::optional<uint64_t> total_size);
  void advance(uint64_t available);
  void verified();
  void complete();
  void fail(upstream::UpstreamFailure failure);
  void fail_storage(upstream::UpstreamFailure failure);
  storage::StagingFile* staging_file() { return file_.get(); }

 private:
  void wake_all(std::unique_lock<std::mutex>& lock);

  const registry::Digest digest_;
  const std::string upstream_;
  const std::string repository_;
  mutable std::mutex mutex_;
  Progress progress_;
  std::unique_ptr<storage::StagingFile> file_;
  std::optional<upstream::UpstreamFailure> failure_;
  bool storage_failed_ = false;
  std::vector<std::function<void()>> waiters_;
};

}  // namespace regcache::cache
