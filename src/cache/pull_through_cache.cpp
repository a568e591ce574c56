#include "cache/pull_through_cache.hpp"

#include <spdlog/spdlog.h>

#include "registry/manifest_references.hpp"
#include "storage/memory_reader.hpp"
#include "util/offload.hpp"
#include "util/sha256.hpp"

namespace regcache::cache {

using registry::Digest;
using registry::ErrorCode;
using upstream::FailureKind;
using upstream::UpstreamFailure;

CacheError to_cache_error(const UpstreamFailure& failure, const std::string& upstream,
                          ErrorCode not_found_code) {
  switch (failure.kind) {
    case FailureKind::not_found:
      return {not_found_code, "not found upstream (" + upstream + ")", std::nullopt};
    case FailureKind::unauthorized:
      return {ErrorCode::unauthorized,
              "upstream " + upstream + " refused regcache's credentials: " + failure.message,
              std::nullopt};
    case FailureKind::denied:
      return {ErrorCode::denied, "upstream " + upstream + " denied access: " + failure.message,
              std::nullopt};
    case FailureKind::too_many_requests:
      return {ErrorCode::too_many_requests,
              "upstream " + upstream + " rate limit reached: " + failure.message,
              failure.retry_after};
    default:
      return {ErrorCode::unavailable,
              "upstream " + upstream + " unavailable (" + upstream::to_string(failure.kind) +
                  "): " + failure.message,
              failure.retry_after};
  }
}

PullThroughCache::PullThroughCache(storage::ContentStore& store, index::CacheIndex& index,
                                   BlobFetcher& fetcher, asio::thread_pool& upstream_workers,
                                   const Clock& clock, size_t max_uncached_streams)
    : store_(store),
      index_(index),
      fetcher_(fetcher),
      workers_(upstream_workers),
      clock_(clock),
      max_uncached_(std::max<size_t>(1, max_uncached_streams)) {}

Result<std::shared_ptr<DirectBlobStream>, CacheError> PullThroughCache::stream_uncached(
    upstream::UpstreamRegistry& client, const std::string& repository, const Digest& digest) {
  if (uncached_running_->fetch_add(1) >= max_uncached_) {
    uncached_running_->fetch_sub(1);
    return fail(CacheError{ErrorCode::unavailable,
                           "the cache storage is full and too many uncached transfers are running; "
                           "retry later",
                           std::string("10")});
  }
  auto running = uncached_running_;
  return DirectBlobStream::start(workers_, client, repository, digest,
                                 [running] { running->fetch_sub(1); });
}

asio::awaitable<BlobLookup> PullThroughCache::blob(upstream::UpstreamRegistry& client,
                                                   std::string repository, Digest digest,
                                                   bool head_only, upstream::CallContext call) {
  const std::string& up = client.upstream().name;
  BlobLookup out;

  bool indexed = index_.object(digest).has_value();
  if (!indexed && catalog_ != nullptr && !fetcher_.find(digest)) {
    indexed = co_await offload(workers_, [&] { return import_blob(digest); });
  }
  if (indexed) {
    if (auto error = co_await confirm_blob(client, repository, digest, call)) {
      out.error = std::move(error);
      co_return out;
    }
    // Asked before opening: opening through the local copies would start a
    // copy of a blob the client then fetches from the bucket itself.
    if (!head_only) out.redirect = store_.redirect_url(digest);
    if (out.redirect) {
      index_.touch(digest, clock_.now_seconds());
      out.outcome = CacheOutcome::hit;
      co_return out;
    }
    auto reader = store_.open(digest);
    if (reader) {
      index_.touch(digest, clock_.now_seconds());
      out.outcome = CacheOutcome::hit;
      out.cached = std::move(reader.value());
      co_return out;
    }
    spdlog::warn("cache: {} is indexed but its file cannot be opened ({}); fetching again",
                 digest.str(), reader.error().message());
    index_.remove_object(digest);
  }

  if (auto running = fetcher_.find(digest)) {
    if (!running->fetched_for(client.upstream().name, repository)) {
      if (auto error = co_await confirm_blob(client, repository, digest, call)) {
        out.error = std::move(error);
        co_return out;
      }
    }
    // Verified and being published: served from the finished file, no upstream.
    const auto state = running->progress().state;
    const bool finished =
        state == InflightFetch::State::verified || state == InflightFetch::State::complete;
    out.outcome = finished ? CacheOutcome::hit : CacheOutcome::coalesced;
    out.fetch = std::move(running);
    co_return out;
  }

  if (head_only) {
    auto head = co_await offload(workers_,
                                 [&] { return client.head_blob(repository, digest.str(), call); });
    if (!head) {
      out.error = to_cache_error(head.error(), up, ErrorCode::blob_unknown);
      co_return out;
    }
    index_.link(up, repository, digest);
    out.outcome = CacheOutcome::miss;
    out.size = head->size;
    co_return out;
  }

  if (!fetcher_.storage_status().caching()) {
    out.outcome = CacheOutcome::uncached;  // the handler streams it with stream_uncached()
    co_return out;
  }
  auto joined = fetcher_.join_or_start(client, repository, digest, call);
  out.outcome = joined.started ? CacheOutcome::miss : CacheOutcome::coalesced;
  out.fetch = std::move(joined.fetch);
  co_return out;
}

bool PullThroughCache::import_blob(const Digest& digest) {
  auto size = store_.size_of(digest);
  if (!size) return false;
  auto guard = fetcher_.lock_content(digest);
  if (!index_.object(digest)) {
    auto now = clock_.now_seconds();
    index_.put_object({digest, *size, "", now, now});
  }
  return true;
}

bool PullThroughCache::import_manifest(const std::string& upstream, const std::string& repository,
                                       const Digest& digest, bool of_repository) {
  constexpr uint64_t kMaxManifest = 4 * 1024 * 1024;  // registries refuse larger ones
  auto media_type = catalog_->manifest_type(digest);
  if (!media_type) return false;
  auto reader = store_.open(digest);
  if (!reader || reader.value()->size() > kMaxManifest) return false;
  std::string body(static_cast<size_t>(reader.value()->size()), '\0');
  for (size_t at = 0; at < body.size();) {
    auto got = reader.value()->read_at(at, std::span<char>(body.data() + at, body.size() - at));
    if (!got.ok() || got.value() == 0) return false;
    at += got.value();
  }
  Sha256 sha;
  sha.update(std::span<const char>(body.data(), body.size()));
  if (sha.finish_hex() != digest.hex()) {
    spdlog::error("cache: manifest {} in the shared store does not match its digest", digest.str());
    return false;
  }
  auto referenced = registry::manifest_references(body);
  auto guard = fetcher_.lock_content(digest);
  index_.add_refs(digest, referenced);
  auto now = clock_.now_seconds();
  index_.put_object({digest, body.size(), *media_type, now, now});
  // What a manifest of this repository references belongs to it. A caller
  // that knows it is the repository's (a tag record) links it again: garbage
  // collection may have pruned its link while the body was read.
  if (of_repository || index_.linked(upstream, repository, digest)) {
    index_.link(upstream, repository, digest);
    for (const auto& child : referenced) index_.link(upstream, repository, child);
  }
  return true;
}

void PullThroughCache::import_tag(const std::string& upstream, const std::string& repository,
                                  const std::string& tag) {
  auto shared = catalog_->tag(upstream, repository, tag);
  if (!shared) return;
  auto local = index_.tag(upstream, repository, tag);
  if (local && local->validated_at >= shared->validated_at) return;  // nothing newer
  index_.link(upstream, repository, shared->digest);
  if (!import_manifest(upstream, repository, shared->digest, /*of_repository=*/true)) {
    auto record = index_.object(shared->digest);
    if (!record || record->media_type.empty()) return;  // not servable here
  }
  index_.put_tag(upstream, repository, tag, {shared->digest, shared->validated_at});
}

void PullThroughCache::share_tag(const std::string& upstream, const std::string& repository,
                                 const std::string& tag, const Digest& digest,
                                 int64_t validated_at) {
  if (catalog_ == nullptr) return;
  asio::post(workers_, [catalog = catalog_, upstream, repository, tag, digest, validated_at] {
    catalog->put_tag(upstream, repository, tag, {digest, validated_at});
  });
}

asio::awaitable<std::optional<CacheError>> PullThroughCache::confirm_blob(
    upstream::UpstreamRegistry& client, const std::string& repository, const Digest& digest,
    const upstream::CallContext& call) {
  if (index_.linked(client.upstream().name, repository, digest)) co_return std::nullopt;
  auto head =
      co_await offload(workers_, [&] { return client.head_blob(repository, digest.str(), call); });
  if (!head)
    co_return to_cache_error(head.error(), client.upstream().name, ErrorCode::blob_unknown);
  index_.link(client.upstream().name, repository, digest);
  co_return std::nullopt;
}

ManifestLookup PullThroughCache::serve_cached_manifest(const Digest& digest, CacheOutcome outcome) {
  ManifestLookup out;
  auto record = index_.object(digest);
  auto reader = record ? store_.open(digest)
                       : fail(std::make_error_code(std::errc::no_such_file_or_directory));
  if (!reader) {
    out.error = CacheError{ErrorCode::unavailable, "cached manifest is unreadable", std::nullopt};
    if (record) index_.remove_object(digest);
    return out;
  }
  index_.touch(digest, clock_.now_seconds());
  out.outcome = outcome;
  out.content = std::move(reader.value());
  out.media_type = record->media_type;
  out.digest = digest.str();
  return out;
}

ManifestLookup PullThroughCache::serve_fetched_manifest(const FetchedManifest& fetched) {
  if (!fetched.unstored_body) return serve_cached_manifest(fetched.digest, CacheOutcome::miss);
  ManifestLookup out;
  out.outcome = CacheOutcome::uncached;
  out.content = std::make_unique<storage::MemoryReader>(
      std::make_shared<const std::string>(*fetched.unstored_body));
  out.media_type = fetched.media_type;
  out.digest = fetched.digest.str();
  return out;
}

void PullThroughCache::pin_if_untagged(const std::string& upstream, const std::string& repository,
                                       const Digest& digest, bool stored_now) {
  if (index_.reachable_from_tag(digest)) return;
  const bool new_pin = index_.pin(upstream, repository, digest);
  // The bucket's collector keeps what a shared pin reaches: once per new pin
  // (not a PUT per pull), and again when the manifest had to be stored again.
  if (catalog_ != nullptr && (new_pin || stored_now)) {
    asio::post(workers_, [catalog = catalog_, upstream, repository, digest] {
      catalog->put_pin(upstream, repository, digest);
    });
  }
}

std::vector<Digest> PullThroughCache::link_references(const std::string& upstream,
                                                      const std::string& repository,
                                                      const std::string& manifest_body) {
  auto referenced = registry::manifest_references(manifest_body);
  for (const auto& digest : referenced) index_.link(upstream, repository, digest);
  return referenced;
}

Result<PullThroughCache::FetchedManifest, UpstreamFailure> PullThroughCache::fetch_manifest(
    upstream::UpstreamRegistry& client, const std::string& repository, const std::string& reference,
    const upstream::CallContext& call, const std::string& tag, bool by_digest) {
  auto got = client.get_manifest(repository, reference, /*head_only=*/false, call);
  if (!got) return fail(got.error());
  auto digest = Digest::parse(got->digest);
  if (!digest) {
    return fail(UpstreamFailure{FailureKind::protocol, 0, "manifest without a sha256 digest", {}});
  }
  const auto& up = client.upstream().name;
  FetchedManifest fetched{*digest, got->media_type, std::nullopt};
  auto referenced = link_references(up, repository, got->body);
  index_.link(up, repository, *digest);

  auto& status = fetcher_.storage_status();
  auto guard = fetcher_.lock_content(*digest);
  if (!index_.object(*digest)) {
    std::error_code ec;
    if (status.caching()) {
      auto staging = store_.create_staging();
      ec = staging ? staging.value()->append(got->body) : staging.error();
      if (!ec) ec = staging.value()->sync();
      // On a shared store another node may have stored it already.
      const bool stored = catalog_ != nullptr && store_.size_of(*digest);
      if (!ec && !stored) ec = store_.publish(*staging.value(), *digest);
    } else {
      ec = std::make_error_code(std::errc::no_space_on_device);
    }
    if (ec) {
      // Serve it from memory; caching resumes when the storage has room again.
      if (status.caching()) {
        spdlog::error("cache: cannot store manifest {}: {}", digest->str(), ec.message());
        status.report_write_failure(ec, got->body.size(), clock_.now_seconds());
      }
      fetched.unstored_body = std::move(got->body);
      return fetched;
    }
    // References, tag and pin first: garbage collection never sees the manifest
    // without what keeps it (and what it keeps) alive.
    index_.add_refs(*digest, referenced);
    auto now = clock_.now_seconds();
    if (!tag.empty()) index_.put_tag(up, repository, tag, {*digest, now});
    if (by_digest) pin_if_untagged(up, repository, *digest, /*stored_now=*/true);
    index_.put_object({*digest, got->body.size(), got->media_type, now, now});
    // Before answering (this runs on a worker): a client that goes on to
    // another node finds the manifest there.
    if (catalog_ != nullptr) {
      catalog_->put_manifest_type(*digest, got->media_type);
      if (!tag.empty()) catalog_->put_tag(up, repository, tag, {*digest, now});
    }
    return fetched;
  }
  if (!index_.has_refs(*digest)) index_.add_refs(*digest, referenced);
  if (!tag.empty()) index_.put_tag(up, repository, tag, {*digest, clock_.now_seconds()});
  if (!tag.empty() && catalog_ != nullptr) {
    catalog_->put_tag(up, repository, tag, {*digest, clock_.now_seconds()});
  }
  if (by_digest) pin_if_untagged(up, repository, *digest);
  return fetched;
}

namespace {

// Hands a tag-revalidation lease back when it goes out of scope, on a worker:
// release() is a network round trip. Kept in the coroutine frame (across
// co_await) in a std::optional, so it neither copies nor moves.
class LeaseRelease {
 public:
  LeaseRelease(asio::thread_pool& workers, SharedRevalidation& revalidation, std::string key,
               std::string lease)
      : workers_(workers),
        revalidation_(revalidation),
        key_(std::move(key)),
        lease_(std::move(lease)) {}
  LeaseRelease(const LeaseRelease&) = delete;
  LeaseRelease& operator=(const LeaseRelease&) = delete;
  ~LeaseRelease() {
    asio::post(workers_, [revalidation = &revalidation_, key = std::move(key_),
                          lease = std::move(lease_)] { revalidation->release(key, lease); });
  }

 private:
  asio::thread_pool& workers_;
  SharedRevalidation& revalidation_;
  std::string key_;
  std::string lease_;
};

}  // namespace

asio::awaitable<ManifestLookup> PullThroughCache::manifest(upstream::UpstreamRegistry& client,
                                                           std::string repository,
                                                           std::string reference,
                                                           bool reference_is_digest,
                                                           upstream::CallContext call) {
  const std::string& up = client.upstream().name;
  auto is_cached_manifest = [&](const Digest& d) {
    auto record = index_.object(d);
    return record && !record->media_type.empty();
  };
  auto error_out = [](CacheError e) {
    ManifestLookup out;
    out.error = std::move(e);
    return out;
  };

  if (reference_is_digest) {
    auto digest = *Digest::parse(reference);
    if (!is_cached_manifest(digest) && catalog_ != nullptr) {
      co_await offload(workers_, [&] { return import_manifest(up, repository, digest); });
    }
    if (is_cached_manifest(digest)) {
      if (!index_.linked(up, repository, digest)) {
        auto head = co_await offload(workers_, [&] {
          return client.get_manifest(repository, reference, /*head_only=*/true, call);
        });
        if (!head)
          co_return error_out(to_cache_error(head.error(), up, ErrorCode::manifest_unknown));
        index_.link(up, repository, digest);
      }
      pin_if_untagged(up, repository, digest);
      co_return serve_cached_manifest(digest, CacheOutcome::hit);
    }
    auto fetched = co_await offload(
        workers_, [&] { return fetch_manifest(client, repository, reference, call, {}, true); });
    if (!fetched)
      co_return error_out(to_cache_error(fetched.error(), up, ErrorCode::manifest_unknown));
    co_return serve_fetched_manifest(fetched.value());
  }

  // By tag: serve from cache while fresh, else revalidate with a HEAD (free
  // against Docker Hub's pull quota) and fetch only when the digest changed.
  const auto now = clock_.now_seconds();
  auto tag = index_.tag(up, repository, reference);
  bool have_cached = tag && is_cached_manifest(tag->digest);
  if (catalog_ != nullptr &&
      !(have_cached && now - tag->validated_at < client.upstream().tag_revalidate.count())) {
    // Another node may have fetched or revalidated it.
    co_await offload(workers_, [&] {
      import_tag(up, repository, reference);
      return true;
    });
    tag = index_.tag(up, repository, reference);
    have_cached = tag && is_cached_manifest(tag->digest);
  }
  if (have_cached && now - tag->validated_at < client.upstream().tag_revalidate.count()) {
    co_return serve_cached_manifest(tag->digest, CacheOutcome::hit);
  }

  // Stale everywhere: one node asks upstream, the others wait for its tag record.
  std::string lease;
  const std::string lease_key = up + "/" + repository + ":" + reference;
  std::optional<LeaseRelease> release_lease;  // only when this node took the lease
  const auto max_age = client.upstream().tag_revalidate.count();
  if (catalog_ != nullptr && revalidation_ != nullptr && max_age > 0) {
    const bool revalidated_elsewhere = co_await offload(workers_, [&] {
      return revalidation_->wait_for_other(
          lease_key,
          [&] {
            import_tag(up, repository, reference);
            auto now_tag = index_.tag(up, repository, reference);
            return now_tag && is_cached_manifest(now_tag->digest) &&
                   clock_.now_seconds() - now_tag->validated_at < max_age;
          },
          lease);
    });
    tag = index_.tag(up, repository, reference);
    have_cached = tag && is_cached_manifest(tag->digest);
    if (revalidated_elsewhere && have_cached) {
      co_return serve_cached_manifest(tag->digest, CacheOutcome::hit);
    }
    if (!lease.empty()) {
      // Dropped once this request is done (the tag record is written by then).
      release_lease.emplace(workers_, *revalidation_, lease_key, lease);
    }
  }

  auto head = co_await offload(workers_, [&] {
    return client.get_manifest(repository, reference, /*head_only=*/true, call);
  });
  if (!head) {
    if (have_cached && head.error().kind != FailureKind::not_found) {
      spdlog::warn("cache: revalidating {}:{} failed ({}); serving the cached manifest", repository,
                   reference, head.error().message);
      co_return serve_cached_manifest(tag->digest, CacheOutcome::stale);
    }
    co_return error_out(to_cache_error(head.error(), up, ErrorCode::manifest_unknown));
  }

  auto upstream_digest = Digest::parse(head->digest);
  if (upstream_digest && is_cached_manifest(*upstream_digest)) {
    index_.put_tag(up, repository, reference, {*upstream_digest, now});
    if (!lease.empty()) {
      // The nodes waiting on the lease read this record: write it before the lease goes.
      co_await offload(workers_, [&] {
        catalog_->put_tag(up, repository, reference, {*upstream_digest, now});
        return true;
      });
    } else {
      share_tag(up, repository, reference, *upstream_digest, now);
    }
    index_.link(up, repository, *upstream_digest);
    co_return serve_cached_manifest(*upstream_digest, CacheOutcome::hit);
  }
  // Fetch by digest when upstream told it, so tag and content stay consistent.
  auto ref = upstream_digest ? upstream_digest->str() : reference;
  auto fetched = co_await offload(
      workers_, [&] { return fetch_manifest(client, repository, ref, call, reference); });
  if (!fetched) {
    if (have_cached && fetched.error().kind != FailureKind::not_found) {
      co_return serve_cached_manifest(tag->digest, CacheOutcome::stale);
    }
    co_return error_out(to_cache_error(fetched.error(), up, ErrorCode::manifest_unknown));
  }
  co_return serve_fetched_manifest(fetched.value());
}

asio::awaitable<Result<upstream::PassthroughResponse, CacheError>> PullThroughCache::tags(
    upstream::UpstreamRegistry& client, std::string repository, std::string query,
    upstream::CallContext call) {
  auto listed =
      co_await offload(workers_, [&] { return client.list_tags(repository, query, call); });
  if (!listed)
    co_return fail(to_cache_error(listed.error(), client.upstream().name, ErrorCode::name_unknown));
  co_return std::move(listed.value());
}

}  // namespace regcache::cache
