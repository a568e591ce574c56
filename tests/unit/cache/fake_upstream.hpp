#pragma once
// An in-memory upstream registry for cache tests: content by digest, manifests
// by (repository, reference), request counters, and a gate that holds blob
// downloads until the test releases them.

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "upstream/upstream_registry.hpp"
#include "util/sha256.hpp"

namespace regcache::test_support {

class FakeUpstream final : public upstream::UpstreamRegistry {
 public:
  FakeUpstream() { config_.name = "fake.io"; config_.tag_revalidate = std::chrono::seconds(60); }

  // Adds a blob that `repository` has; returns its digest.
  std::string add_blob(const std::string& repository, const std::string& content) {
    std::lock_guard lock(mutex_);
    auto digest = "sha256:" + Sha256::hex_of(content);
    blobs_[digest] = content;
    repo_has_[repository].insert(digest);
    return digest;
  }
  // Tags `tag` in `repository` with a manifest body; returns the manifest digest.
  std::string add_manifest(const std::string& repository, const std::string& tag,
                           const std::string& body) {
    std::lock_guard lock(mutex_);
    auto digest = "sha256:" + Sha256::hex_of(body);
    manifests_[digest] = body;
    tags_[repository + ":" + tag] = digest;
    repo_has_[repository].insert(digest);
    return digest;
  }
  // Serve these bytes instead of the real content for `digest` (a corrupt upstream).
  void corrupt(const std::string& digest, std::string bytes) {
    std::lock_guard lock(mutex_);
    corrupted_[digest] = std::move(bytes);
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  // While held, blob downloads send the first half and then wait.
  void hold_downloads() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release_downloads() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    cv_.notify_all();
  }

  int blob_fetches() const { std::lock_guard lock(mutex_); return blob_fetches_; }
  int blob_heads() const { std::lock_guard lock(mutex_); return blob_heads_; }
  int manifest_gets() const { std::lock_guard lock(mutex_); return manifest_gets_; }
  int manifest_heads() const { std::lock_guard lock(mutex_); return manifest_heads_; }
  config::UpstreamConfig& mutable_config() { return config_; }
  // The request ID of every call so far, in call order.
  std::vector<std::string> request_ids() const {
    std::lock_guard lock(mutex_);
    return request_ids_;
  }

  Result<upstream::ManifestResponse, upstream::UpstreamFailure> get_manifest(
      const std::string& repository, const std::string& reference, bool head_only,
      const upstream::CallContext& call = {}) override {
    std::lock_guard lock(mutex_);
    request_ids_.push_back(call.request_id);
    ++(head_only ? manifest_heads_ : manifest_gets_);
    if (down_) return fail(unreachable());
    std::string digest = reference.starts_with("sha256:") ? reference : tags_[repository + ":" + reference];
    if (digest.empty() || !manifests_.contains(digest) || !repo_has_[repository].contains(digest)) {
      return fail(upstream::UpstreamFailure{upstream::FailureKind::not_found, 404, "unknown", {}});
    }
    const auto& body = manifests_[digest];
    return upstream::ManifestResponse{digest, "application/vnd.oci.image.manifest.v1+json",
                                      body.size(), head_only ? "" : body};
  }

  Result<upstream::BlobInfo, upstream::UpstreamFailure> head_blob(
      const std::string& repository, const std::string& digest,
      const upstream::CallContext& call = {}) override {
    std::lock_guard lock(mutex_);
    request_ids_.push_back(call.request_id);
    ++blob_heads_;
    if (down_) return fail(unreachable());
    if (!repo_has_[repository].contains(digest)) return fail(not_found());
    return upstream::BlobInfo{blobs_[digest].size()};
  }

  Result<upstream::BlobInfo, upstream::UpstreamFailure> fetch_blob(
      const std::string& repository, const std::string& digest, upstream::BlobSink& sink,
      std::stop_token, const upstream::CallContext& call = {}) override {
    std::string content;
    {
      std::unique_lock lock(mutex_);
      request_ids_.push_back(call.request_id);
      ++blob_fetches_;
      if (down_) return fail(unreachable());
      if (!repo_has_[repository].contains(digest)) return fail(not_found());
      content = corrupted_.contains(digest) ? corrupted_[digest] : blobs_[digest];
    }
    sink.on_start(content.size());
    size_t half = content.size() / 2;
    if (!sink.on_data(std::span<const char>(content.data(), half))) return fail(aborted());
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return !held_; });
    }
    if (!sink.on_data(std::span<const char>(content.data() + half, content.size() - half))) {
      return fail(aborted());
    }
    return upstream::BlobInfo{content.size()};
  }

  Result<upstream::PassthroughResponse, upstream::UpstreamFailure> list_tags(
      const std::string&, const std::string&, const upstream::CallContext& = {}) override {
    return upstream::PassthroughResponse{200, "application/json", "", "{}"};
  }

  const config::UpstreamConfig& upstream() const override { return config_; }

 private:
  std::vector<std::string> request_ids_;
  static upstream::UpstreamFailure unreachable() {
    return {upstream::FailureKind::unreachable, 0, "connection refused", {}};
  }
  static upstream::UpstreamFailure not_found() {
    return {upstream::FailureKind::not_found, 404, "unknown", {}};
  }
  static upstream::UpstreamFailure aborted() {
    return {upstream::FailureKind::aborted, 0, "aborted", {}};
  }

  config::UpstreamConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::string> blobs_, manifests_, tags_, corrupted_;
  std::map<std::string, std::set<std::string>> repo_has_;
  bool down_ = false, held_ = false;
  int blob_fetches_ = 0, blob_heads_ = 0, manifest_gets_ = 0, manifest_heads_ = 0;
};

}  // namespace regcache::test_support
