#pragma once
// PullThroughCache: the decorator over the local content store and an upstream
// registry. Answers blob and manifest lookups from the cache when it can, from
// upstream when it must (storing what it fetched), and from the stale cache when
// upstream fails. Content is served to a repository only if that repository's
// manifests reference it or its upstream confirmed it.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/blob_fetcher.hpp"
#include "cache/cache_outcome.hpp"
#include "cache/direct_blob_stream.hpp"
#include "cache/shared_catalog.hpp"
#include "cache/shared_revalidation.hpp"
#include "index/cache_index.hpp"
#include "registry/registry_error.hpp"
#include "storage/content_store.hpp"
#include "upstream/upstream_registry.hpp"
#include "util/asio.hpp"
#include "util/clock.hpp"

namespace regcache::cache {

struct CacheError {
  registry::ErrorCode code;
  std::string message;
  std::optional<std::string> retry_after;
};

struct BlobLookup {
  CacheOutcome outcome = CacheOutcome::none;
  std::unique_ptr<storage::ContentReader> cached;  // set: serve this file
  std::optional<std::string> redirect;             // set alone (a hit): send the client here
  std::shared_ptr<InflightFetch> fetch;            // set: follow this download
  std::optional<uint64_t> size;                    // set alone: HEAD answered by upstream
  // outcome `uncached` with nothing set: caching is paused; stream with stream_uncached().
  std::optional<CacheError> error;
};

struct ManifestLookup {
  CacheOutcome outcome = CacheOutcome::none;
  std::unique_ptr<storage::ContentReader> content;
  std::string media_type;
  std::string digest;  // "sha256:..."
  std::optional<CacheError> error;
};

class PullThroughCache {
 public:
  // Each uncached stream may hold an upstream worker while its client is slow:
  // give it at most half of them (the application passes upstream_workers / 2).
  PullThroughCache(storage::ContentStore& store, index::CacheIndex& index, BlobFetcher& fetcher,
                   asio::thread_pool& upstream_workers, const Clock& clock,
                   size_t max_uncached_streams = 4);

  // `repository` is the upstream's own name (library/ rule already applied).
  // `call` names the client request (its ID goes into upstream log lines).
  asio::awaitable<BlobLookup> blob(upstream::UpstreamRegistry& client, std::string repository,
                                   registry::Digest digest, bool head_only,
                                   upstream::CallContext call = {});
  asio::awaitable<ManifestLookup> manifest(upstream::UpstreamRegistry& client,
                                           std::string repository, std::string reference,
                                           bool reference_is_digest,
                                           upstream::CallContext call = {});
  asio::awaitable<Result<upstream::PassthroughResponse, CacheError>> tags(
      upstream::UpstreamRegistry& client, std::string repository, std::string query,
      upstream::CallContext call = {});

  // A private upstream stream of a blob that is not cached (caching paused, or
  // the shared download lost its storage). At most max_uncached_streams() run at
  // once; beyond that the client is asked to retry later (memory stays bounded).
  Result<std::shared_ptr<DirectBlobStream>, CacheError> stream_uncached(
      upstream::UpstreamRegistry& client, const std::string& repository,
      const registry::Digest& digest);
  size_t max_uncached_streams() const { return max_uncached_; }

  // Nodes sharing the content store: content another node stored is served
  // from the store (blobs, and manifests the catalog knows), tags come from the
  // catalog while fresh, and what this node learns from upstream goes into it.
  // Set before serving.
  void share(SharedCatalog* catalog) { catalog_ = catalog; }
  // With a catalog: one node revalidates a stale tag for all of them.
  void share_revalidation(SharedRevalidation* revalidation) { revalidation_ = revalidation; }

 private:
  struct FetchedManifest {
    registry::Digest digest;
    std::string media_type;
    std::optional<std::string> unstored_body;  // set when it could not be cached
  };
  // Content cached for another repository is only served after upstream confirms
  // this repository has it too (no leak of private layers by digest).
  asio::awaitable<std::optional<CacheError>> confirm_blob(upstream::UpstreamRegistry& client,
                                                          const std::string& repository,
                                                          const registry::Digest& digest,
                                                          const upstream::CallContext& call);
  ManifestLookup serve_cached_manifest(const registry::Digest& digest, CacheOutcome outcome);
  ManifestLookup serve_fetched_manifest(const FetchedManifest& fetched);
  // Blocking (runs on the worker pool): GET the manifest, verify, store, link;
  // with `tag`, also points the tag at it, and `by_digest` pins it if no tag
  // reaches it (in the same step, so garbage collection never sees it unrooted).
  Result<FetchedManifest, upstream::UpstreamFailure> fetch_manifest(
      upstream::UpstreamRegistry& client, const std::string& repository,
      const std::string& reference, const upstream::CallContext& call,
      const std::string& tag = {}, bool by_digest = false);
  // Links what the manifest references to the repository; returns those digests.
  std::vector<registry::Digest> link_references(const std::string& upstream,
                                                const std::string& repository,
                                                const std::string& manifest_body);
  // A manifest asked for by digest that no tag reaches is pinned (kept by GC);
  // on a shared bucket the pin is shared when new or when `stored_now`.
  void pin_if_untagged(const std::string& upstream, const std::string& repository,
                       const registry::Digest& digest, bool stored_now = false);

  // Shared store (blocking, worker pool): indexes content another node stored.
  bool import_blob(const registry::Digest& digest);
  bool import_manifest(const std::string& upstream, const std::string& repository,
                       const registry::Digest& digest, bool of_repository = false);
  void import_tag(const std::string& upstream, const std::string& repository,
                  const std::string& tag);
  // Best effort, in the background (from the I/O threads).
  void share_tag(const std::string& upstream, const std::string& repository, const std::string& tag,
                 const registry::Digest& digest, int64_t validated_at);

  storage::ContentStore& store_;
  index::CacheIndex& index_;
  BlobFetcher& fetcher_;
  SharedCatalog* catalog_ = nullptr;
  SharedRevalidation* revalidation_ = nullptr;
  asio::thread_pool& workers_;
  const Clock& clock_;
  size_t max_uncached_;
  std::shared_ptr<std::atomic<size_t>> uncached_running_ = std::make_shared<std::atomic<size_t>>(0);
};

CacheError to_cache_error(const upstream::UpstreamFailure& failure, const std::string& upstream,
                          registry::ErrorCode not_found_code);

}  // namespace regcache::cache
