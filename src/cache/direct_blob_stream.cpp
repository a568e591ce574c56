#include "cache/direct_blob_stream.hpp"

#include <spdlog/spdlog.h>

#include "util/sha256.hpp"

namespace regcache::cache {

class DirectBlobStream::Sink final : public upstream::BlobSink {
 public:
  explicit Sink(DirectBlobStream& stream) : stream_(stream) {}

  void on_start(std::optional<uint64_t> total_size) override {
    std::unique_lock lock(stream_.mutex_);
    stream_.total_ = total_size;
    stream_.state_ = State::streaming;
    stream_.wake_all(lock);
  }

  bool on_data(std::span<const char> bytes) override {
    sha_.update(bytes);
    std::unique_lock lock(stream_.mutex_);
    auto stop = stream_.stop_.get_token();
    stream_.room_.wait(lock, [&] {
      return stop.stop_requested() || stream_.queue_.size() < DirectBlobStream::kWindow;
    });
    if (stop.stop_requested()) return false;
    stream_.queue_.append(bytes.data(), bytes.size());
    stream_.wake_all(lock);
    return true;
  }

  std::string digest_hex() { return sha_.finish_hex(); }

 private:
  DirectBlobStream& stream_;
  Sha256 sha_;
};

std::shared_ptr<DirectBlobStream> DirectBlobStream::start(asio::thread_pool& workers,
                                                          upstream::UpstreamRegistry& client,
                                                          std::string repository,
                                                          registry::Digest digest,
                                                          std::function<void()> on_end) {
  auto stream = std::make_shared<DirectBlobStream>(std::move(digest));
  asio::post(workers,
             [stream, &client, repository = std::move(repository), on_end = std::move(on_end)] {
               stream->run(client, repository);
               if (on_end) on_end();
             });
  return stream;
}

void DirectBlobStream::run(upstream::UpstreamRegistry& client, const std::string& repository) {
  Sink sink(*this);
  auto result = client.fetch_blob(repository, digest_.str(), sink, stop_.get_token());
  std::optional<upstream::UpstreamFailure> failure;
  if (!result) {
    failure = result.error();
  } else if (sink.digest_hex() != digest_.hex()) {
    spdlog::error("cache: {}@{}: upstream sent content with another digest; discarded", repository,
                  digest_.str());
    failure = upstream::UpstreamFailure{
        upstream::FailureKind::protocol, 0, "upstream content does not match its digest", {}};
  }
  std::unique_lock lock(mutex_);
  if (failure) {
    failure_ = std::move(failure);
    state_ = State::failed;
  } else {
    if (!total_) total_ = result->size;
    state_ = State::complete;
  }
  wake_all(lock);
}

DirectBlobStream::State DirectBlobStream::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::optional<uint64_t> DirectBlobStream::total_size() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::optional<upstream::UpstreamFailure> DirectBlobStream::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

size_t DirectBlobStream::take(std::string& out, size_t max) {
  std::unique_lock lock(mutex_);
  size_t n = std::min(max, queue_.size());
  out.append(queue_, 0, n);
  queue_.erase(0, n);
  lock.unlock();
  if (n > 0) room_.notify_all();
  return n;
}

void DirectBlobStream::notify_when_ready(std::function<void()> wake) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty() && (state_ == State::starting || state_ == State::streaming)) {
      waiters_.push_back(std::move(wake));
      return;
    }
  }
  wake();
}

void DirectBlobStream::cancel() {
  stop_.request_stop();
  { std::lock_guard lock(mutex_); }  // the producer re-checks under the lock
  room_.notify_all();
}

void DirectBlobStream::wake_all(std::unique_lock<std::mutex>& lock) {
  if (waiters_.empty()) return;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  lock.unlock();
  for (auto& wake : waiters) wake();
  lock.lock();
}

}  // namespace regcache::cache
