#pragma once
// FetchLimitedUpstream: caps the upstream fetches in progress at once across
// the whole mirror (regcache.limits.upstream_fetches), to protect the upstream
// account's pull quota from bursts. Manifest GETs and blob downloads count;
// HEAD requests (tag revalidation, blob checks) are free on Docker Hub and do
// not. A fetch over the cap fails at once as too_many_requests with a
// Retry-After, which reaches the client as 429 TOOMANYREQUESTS (or, for a tag
// with a cached copy, the cached manifest is served).

#include <atomic>
#include <cstdint>
#include <memory>

#include "upstream/upstream_registry.hpp"

namespace regcache::upstream {

// Shared by every upstream's decorator: the cap is global.
class FetchBudget {
 public:
  explicit FetchBudget(uint32_t max_fetches) : max_(max_fetches) {}
  bool try_acquire();
  void release();
  uint32_t in_progress() const { return in_progress_.load(); }
  uint32_t max() const { return max_; }

 private:
  const uint32_t max_;
  std::atomic<uint32_t> in_progress_{0};
};

class FetchLimitedUpstream final : public UpstreamRegistry {
 public:
  FetchLimitedUpstream(std::unique_ptr<UpstreamRegistry> inner, FetchBudget& budget)
      : inner_(std::move(inner)), budget_(budget) {}

  Result<ManifestResponse, UpstreamFailure> get_manifest(const std::string& repository,
                                                         const std::string& reference,
                                                         bool head_only,
                                                         const CallContext& call = {}) override;
  Result<BlobInfo, UpstreamFailure> head_blob(const std::string& repository,
                                              const std::string& digest,
                                              const CallContext& call = {}) override {
    return inner_->head_blob(repository, digest, call);
  }
  Result<BlobInfo, UpstreamFailure> fetch_blob(const std::string& repository,
                                               const std::string& digest, BlobSink& sink,
                                               std::stop_token stop = {},
                                               const CallContext& call = {}) override;
  Result<PassthroughResponse, UpstreamFailure> list_tags(const std::string& repository,
                                                         const std::string& query,
                                                         const CallContext& call = {}) override {
    return inner_->list_tags(repository, query, call);
  }
  const config::UpstreamConfig& upstream() const override { return inner_->upstream(); }

 private:
  UpstreamFailure over_budget() const;

  std::unique_ptr<UpstreamRegistry> inner_;
  FetchBudget& budget_;
};

}  // namespace regcache::upstream
