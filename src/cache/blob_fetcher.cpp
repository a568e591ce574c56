#include "cache/blob_fetcher.hpp"

#include <spdlog/spdlog.h>

#include "util/sha256.hpp"

namespace regcache::cache {
namespace {

// Writes the upstream stream into the staging file, hashing as it goes, and
// tells the followers how far it got.
class StagingSink final : public upstream::BlobSink {
 public:
  StagingSink(InflightFetch& fetch, std::unique_ptr<storage::StagingFile> file)
      : fetch_(fetch), file_(std::move(file)) {}

  void on_start(std::optional<uint64_t> total_size) override {
    file_ptr_ = file_.get();
    fetch_.begin(std::move(file_), total_size);
  }

  bool on_data(std::span<const char> bytes) override {
    if (file_ptr_ == nullptr) on_start(std::nullopt);
    if (auto ec = file_ptr_->append(bytes)) {
      spdlog::error("cache: writing {} to the staging file failed: {}", fetch_.digest().str(),
                    ec.message());
      write_error_ = ec;
      return false;
    }
    sha_.update(bytes);
    fetch_.advance(file_ptr_->size());
    return true;
  }

  bool started() const { return file_ptr_ != nullptr; }
  std::string digest_hex() { return sha_.finish_hex(); }
  std::error_code write_error() const { return write_error_; }

 private:
  InflightFetch& fetch_;
  std::unique_ptr<storage::StagingFile> file_;
  storage::StagingFile* file_ptr_ = nullptr;
  Sha256 sha_;
  std::error_code write_error_;
};

upstream::UpstreamFailure local_failure(std::string message) {
  return {upstream::FailureKind::aborted, 0, std::move(message), std::nullopt};
}

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
