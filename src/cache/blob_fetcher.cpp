#include "cache/blob_fetcher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>

#include "util/sha256.hpp"

namespace regcache::cache {
namespace {

// Followers hear of new bytes per this much data or this much time, whichever
// comes first, not per libcurl callback (16 KiB): with 16 clients following a
// 256 MiB layer that is 16,000 wake-ups instead of 260,000. The rest always
// shows when the download is verified or fails.
constexpr uint64_t kAnnounceBytes = 256 * 1024;
constexpr std::chrono::milliseconds kAnnounceInterval{10};

// Writes the upstream stream into the staging file, hashing as it goes, and
// tells the followers how far it got.
class StagingSink final : public upstream::BlobSink {
 public:
  StagingSink(InflightFetch& fetch, std::unique_ptr<storage::StagingFile> file)
      : fetch_(fetch), file_(std::move(file)) {}

  void on_start(std::optional<uint64_t> total_size) override {
    if (file_ptr_ != nullptr) return;  // a later source (see replay)
    file_ptr_ = file_.get();
    fetch_.begin(std::move(file_), total_size);
  }

  bool on_data(std::span<const char> bytes) override {
    if (file_ptr_ == nullptr) on_start(std::nullopt);
    if (skip_ > 0) {
      auto n = static_cast<size_t>(std::min<uint64_t>(skip_, bytes.size()));
      skip_ -= n;
      bytes = bytes.subspan(n);
      if (bytes.empty()) return true;
    }
    if (auto ec = file_ptr_->append(bytes)) {
      spdlog::error("cache: writing {} to the staging file failed: {}", fetch_.digest().str(),
                    ec.message());
      write_error_ = ec;
      return false;
    }
    sha_.update(bytes);
    const uint64_t size = file_ptr_->size();
    const auto now = std::chrono::steady_clock::now();
    if (size - announced_ >= kAnnounceBytes || now - announced_at_ >= kAnnounceInterval) {
      fetch_.advance(size);
      announced_ = size;
      announced_at_ = now;
    }
    return true;
  }

  bool started() const { return file_ptr_ != nullptr; }
  uint64_t size() const { return file_ptr_ != nullptr ? file_ptr_->size() : 0; }
  // The next source sends the blob from byte 0 again (another node's download
  // broke off, this node continues): the bytes the file has are skipped.
  void replay() { skip_ = size(); }
  // The next source sends only what the file lacks.
  void continue_at_end() { skip_ = 0; }
  std::string digest_hex() { return sha_.finish_hex(); }
  std::error_code write_error() const { return write_error_; }

 private:
  InflightFetch& fetch_;
  std::unique_ptr<storage::StagingFile> file_;
  storage::StagingFile* file_ptr_ = nullptr;
  Sha256 sha_;
  std::error_code write_error_;
  uint64_t skip_ = 0;
  uint64_t announced_ = 0;  // what the followers were last told is there
  std::chrono::steady_clock::time_point announced_at_ = std::chrono::steady_clock::now();
};

upstream::UpstreamFailure local_failure(std::string message) {
  return {upstream::FailureKind::aborted, 0, std::move(message), std::nullopt};
}

// How often a node waiting for another node's download looks at the store, and
// for how long at most (a live holder renews its claim; this only bounds a
// holder that renews without ever finishing).
constexpr std::chrono::milliseconds kTurnPoll{200};
constexpr std::chrono::hours kTurnMaxWait{2};
constexpr size_t kCopyChunk = 1024 * 1024;
// After a failed attempt to follow the holder's download (unreachable, or its
// download just ended), how long before the next one.
constexpr std::chrono::seconds kFollowRetry{1};
// How long a node that followed a download waits for the fetching node to
// publish it before uploading it itself.
constexpr std::chrono::minutes kPublishWait{5};

// Releases this node's claim on a digest when the download is over.
struct ClaimRelease {
  FetchCoordinator* coordinator;
  const registry::Digest& digest;
  bool held = false;
  ~ClaimRelease() {
    if (held) coordinator->release(digest);
  }
};

}  // namespace

BlobFetcher::BlobFetcher(storage::ContentStore& store, index::CacheIndex& index,
                         asio::thread_pool& upstream_workers, const Clock& clock)
    : store_(store), index_(index), workers_(upstream_workers), clock_(clock) {}

BlobFetcher::~BlobFetcher() { stop(); }

BlobFetcher::Joined BlobFetcher::join_or_start(upstream::UpstreamRegistry& client,
                                               const std::string& repository,
                                               const registry::Digest& digest,
                                               const upstream::CallContext& call) {
  std::shared_ptr<InflightFetch> fetch;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = inflight_.try_emplace(digest.hex());
    if (!inserted) return {it->second, false};
    it->second = fetch = std::make_shared<InflightFetch>(digest, client.upstream().name, repository);
  }
  asio::post(workers_, [this, fetch, &client, repository, call] {
    download(fetch, client, repository, call);
  });
  return {fetch, true};
}

std::shared_ptr<InflightFetch> BlobFetcher::find(const registry::Digest& digest) const {
  std::lock_guard lock(mutex_);
  auto it = inflight_.find(digest.hex());
  return it == inflight_.end() ? nullptr : it->second;
}

size_t BlobFetcher::inflight_count() const {
  std::lock_guard lock(mutex_);
  return inflight_.size();
}

void BlobFetcher::stop() { stop_.request_stop(); }

std::unique_lock<std::mutex> BlobFetcher::lock_content(const registry::Digest& digest) {
  const auto& hex = digest.hex();
  size_t slot = hex.empty() ? 0 : std::hash<std::string>{}(hex) % content_locks_.size();
  return std::unique_lock(content_locks_[slot]);
}

void BlobFetcher::finish(const std::shared_ptr<InflightFetch>& fetch) {
  std::lock_guard lock(mutex_);
  auto it = inflight_.find(fetch->digest().hex());
  if (it != inflight_.end() && it->second == fetch) inflight_.erase(it);
}

BlobFetcher::Turn BlobFetcher::await_turn(const registry::Digest& digest, upstream::BlobSink& out,
                                          bool& holding_claim) {
  auto& sink = static_cast<StagingSink&>(out);
  auto stop = stop_.get_token();
  auto next_follow = std::chrono::steady_clock::now();
  std::mutex mutex;
  std::condition_variable_any never;
  const auto give_up = std::chrono::steady_clock::now() + kTurnMaxWait;
  bool logged = false;
  while (std::chrono::steady_clock::now() < give_up) {
    auto claim = coordinator_->claim(digest);
    if (claim == FetchCoordinator::Claim::won) holding_claim = true;
    // Claimed, or no coordination: fetch unless it landed meanwhile.
    if (claim != FetchCoordinator::Claim::held_elsewhere) {
      return store_.size_of(digest) ? Turn::in_store : Turn::fetch;
    }
    if (store_.size_of(digest)) return Turn::in_store;
    if (std::chrono::steady_clock::now() >= next_follow) {
      // Follow the holder's download as it lands there.
      sink.replay();
      if (coordinator_->follow_holder(digest, sink, stop).complete) return Turn::followed;
      next_follow = std::chrono::steady_clock::now() + kFollowRetry;
    }
    if (!logged) {
      spdlog::info("cache: another node is fetching {}; waiting for it in the shared store",
                   digest.str());
      logged = true;
    }
    std::unique_lock lock(mutex);
    if (never.wait_for(lock, stop, kTurnPoll, [] { return false; }) || stop.stop_requested()) {
      return Turn::stopped;
    }
  }
  spdlog::warn("cache: {} is still being fetched by another node after {} h; fetching it here",
               digest.str(), kTurnMaxWait.count());
  return Turn::fetch;
}

bool BlobFetcher::copy_from_store(const std::shared_ptr<InflightFetch>& fetch,
                                  upstream::BlobSink& out, upstream::UpstreamRegistry& client,
                                  const std::string& repository) {
  auto& sink = static_cast<StagingSink&>(out);
  const auto& digest = fetch->digest();
  auto reader = store_.open(digest);
  if (!reader) return false;  // removed meanwhile: fetch it from upstream
  const uint64_t size = reader.value()->size();
  sink.on_start(size);
  sink.continue_at_end();
  std::string chunk(kCopyChunk, '\0');
  // The staging file may hold the start already (from the fetching node).
  for (uint64_t at = sink.size(); at < size;) {
    auto got = reader.value()->read_at(at, std::span<char>(chunk.data(), chunk.size()));
    if (!got.ok() || got.value() == 0 || !sink.on_data({chunk.data(), got.value()}) ||
        stop_.stop_requested()) {
      spdlog::warn("cache: copying {} from the store failed at byte {}", digest.str(), at);
      finish(fetch);
      fetch->fail(local_failure("reading the shared content store failed"));
      return true;
    }
    at += got.value();
  }
  bool held = true;  // it is in the store: nothing to wait for
  settle_shared(fetch, sink, client, repository, "the shared store", held);
  return true;
}

void BlobFetcher::settle_shared(const std::shared_ptr<InflightFetch>& fetch,
                                upstream::BlobSink& out, upstream::UpstreamRegistry& client,
                                const std::string& repository, const char* source,
                                bool& holding_claim) {
  auto& sink = static_cast<StagingSink&>(out);
  const auto& digest = fetch->digest();
  if (sink.digest_hex() != digest.hex()) {
    spdlog::error("cache: {} from {} does not match its digest; not served", digest.str(), source);
    finish(fetch);
    fetch->fail(
        {upstream::FailureKind::protocol, 0, "content does not match its digest", std::nullopt});
    return;
  }
  fetch->verified();  // this node's clients get their last byte now
  auto* file = fetch->staging_file();
  // The fetching node publishes right after verifying: wait for that rather
  // than upload the blob again; publish here only if it gives up (its lease
  // ends without the blob) or coordination is gone.
  bool stored = store_.size_of(digest).has_value();
  std::mutex mutex;
  std::condition_variable_any never;
  const auto give_up = std::chrono::steady_clock::now() + kPublishWait;
  while (!stored && std::chrono::steady_clock::now() < give_up) {
    auto claim = coordinator_->claim(digest);
    if (claim == FetchCoordinator::Claim::won) holding_claim = true;
    if (claim != FetchCoordinator::Claim::held_elsewhere) break;
    std::unique_lock lock(mutex);
    never.wait_for(lock, stop_.get_token(), kTurnPoll, [] { return false; });
    if (stop_.stop_requested()) break;
    stored = store_.size_of(digest).has_value();
  }
  std::error_code ec;
  {
    auto guard = lock_content(digest);
    if (!stored && !store_.size_of(digest)) ec = store_.publish(*file, digest);
    if (!ec) {
      auto now = clock_.now_seconds();
      index_.put_object({digest, file->size(), "", now, now});
      index_.link(client.upstream().name, repository, digest);
    }
  }
  if (ec) spdlog::error("cache: cannot store {}: {}", digest.str(), ec.message());
  finish(fetch);
  fetch->complete();
  spdlog::info("cache: {} ({} bytes) was fetched by another node; served from {}", digest.str(),
               file->size(), source);
}

void BlobFetcher::download(std::shared_ptr<InflightFetch> fetch, upstream::UpstreamRegistry& client,
                           std::string repository, upstream::CallContext call) {
  const auto& digest = fetch->digest();
  auto staging = store_.create_staging();
  if (!staging) {
    spdlog::error("cache: cannot create a staging file for {}: {}", digest.str(),
                  staging.error().message());
    status_.report_write_failure(staging.error(), 0, clock_.now_seconds());
    finish(fetch);
    fetch->fail_storage(local_failure("cache storage unavailable: " + staging.error().message()));
    return;
  }
  StagingSink sink(*fetch, std::move(staging.value()));
  ClaimRelease claim{coordinator_, digest};
  if (coordinator_ != nullptr) {
    auto turn = await_turn(digest, sink, claim.held);
    if (turn == Turn::stopped) {
      sink.on_start(std::nullopt);
      finish(fetch);
      fetch->fail(local_failure("regcache is shutting down"));
      return;
    }
    if (turn == Turn::followed) {
      settle_shared(fetch, sink, client, repository, "the node that fetched it", claim.held);
      return;
    }
    if (turn == Turn::in_store && copy_from_store(fetch, sink, client, repository)) return;
    sink.replay();  // upstream sends from byte 0; a broken-off follow left the start here
  }
  auto result = client.fetch_blob(repository, digest.str(), sink, stop_.get_token(), call);
  if (!sink.started()) sink.on_start(std::nullopt);  // so the staging file is owned by fetch

  if (!result && sink.write_error()) {
    // The disk filled up (or failed) under this download: its followers carry on
    // with their own uncached upstream streams; nothing partial stays behind.
    auto progress = fetch->progress();
    status_.report_write_failure(
        sink.write_error(), progress.total_size.value_or(progress.available), clock_.now_seconds());
    finish(fetch);
    fetch->fail_storage(local_failure("cache storage full: " + sink.write_error().message()));
    return;
  }
  if (!result) {
    spdlog::warn("cache: download of {}@{} failed: {}", repository, digest.str(),
                 result.error().message);
    finish(fetch);
    fetch->fail(result.error());
    return;
  }
  auto actual = sink.digest_hex();
  if (actual != digest.hex()) {
    spdlog::error("cache: {}@{}: upstream sent content with digest sha256:{}; discarded",
                  repository, digest.str(), actual);
    finish(fetch);
    fetch->fail({upstream::FailureKind::protocol, 0, "upstream content does not match its digest",
                 std::nullopt});
    return;
  }
  // Verified: the clients streaming it get their last byte now, not after the
  // blob is on disk for good (fdatasync of a large blob takes seconds). New
  // requests keep joining this fetch until it is published below.
  fetch->verified();
  auto* file = fetch->staging_file();
  std::error_code ec = file->sync();
  {
    auto guard = lock_content(digest);
    if (!ec) ec = store_.publish(*file, digest);
    if (!ec) {
      auto now = clock_.now_seconds();
      index_.put_object({digest, file->size(), "", now, now});
      index_.link(client.upstream().name, repository, digest);
    }
  }
  if (ec) {
    // Followers already have the verified bytes on the staging file: let them
    // finish, but the blob is not cached.
    spdlog::error("cache: cannot store {}: {}", digest.str(), ec.message());
    if (is_out_of_space(ec)) status_.report_write_failure(ec, file->size(), clock_.now_seconds());
    finish(fetch);
    fetch->complete();
    return;
  }
  finish(fetch);
  fetch->complete();
  spdlog::debug("cache: stored {} ({} bytes)", digest.str(), file->size());
  if (on_stored_) on_stored_();
}

}  // namespace regcache::cache
