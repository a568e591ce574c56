#include "cache/pull_through_cache.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "util/offload.hpp"

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
                                   const Clock& clock)
    : store_(store), index_(index), fetcher_(fetcher), workers_(upstream_workers), clock_(clock) {}

asio::awaitable<BlobLookup> PullThroughCache::blob(upstream::UpstreamRegistry& client,
                                                   std::string repository, Digest digest,
                                                   bool head_only, upstream::CallContext call) {
  const std::string& up = client.upstream().name;
  BlobLookup out;

  if (index_.object(digest)) {
    if (auto error = co_await confirm_blob(client, repository, digest, call)) {
      out.error = std::move(error);
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
    out.outcome = CacheOutcome::coalesced;
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

  auto joined = fetcher_.join_or_start(client, repository, digest, call);
  out.outcome = joined.started ? CacheOutcome::miss : CacheOutcome::coalesced;
  out.fetch = std::move(joined.fetch);
  co_return out;
}

asio::awaitable<std::optional<CacheError>> PullThroughCache::confirm_blob(
    upstream::UpstreamRegistry& client, const std::string& repository, const Digest& digest,
    const upstream::CallContext& call) {
  if (index_.linked(client.upstream().name, repository, digest)) co_return std::nullopt;
  auto head =
      co_await offload(workers_, [&] { return client.head_blob(repository, digest.str(), call); });
  if (!head) co_return to_cache_error(head.error(), client.upstream().name, ErrorCode::blob_unknown);
  index_.link(client.upstream().name, repository, digest);
  co_return std::nullopt;
}

ManifestLookup PullThroughCache::serve_cached_manifest(const Digest& digest, CacheOutcome outcome) {
  ManifestLookup out;
  auto record = index_.object(digest);
  auto reader = record ? store_.open(digest) : fail(std::make_error_code(std::errc::no_such_file_or_directory));
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

void PullThroughCache::link_references(const std::string& upstream, const std::string& repository,
                                       const std::string& manifest_body) {
  auto json = nlohmann::json::parse(manifest_body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;
  auto link = [&](const nlohmann::json& descriptor) {
    if (!descriptor.is_object() || !descriptor.contains("digest")) return;
    const auto& d = descriptor["digest"];
    if (!d.is_string()) return;
    if (auto digest = Digest::parse(d.get<std::string>())) index_.link(upstream, repository, *digest);
  };
  if (json.contains("config")) link(json["config"]);
  for (const char* list : {"layers", "manifests", "blobs"}) {
    if (json.contains(list) && json[list].is_array()) {
      for (const auto& descriptor : json[list]) link(descriptor);
    }
  }
}

Result<Digest, UpstreamFailure> PullThroughCache::fetch_manifest(
    upstream::UpstreamRegistry& client, const std::string& repository, const std::string& reference,
    const upstream::CallContext& call) {
  auto got = client.get_manifest(repository, reference, /*head_only=*/false, call);
  if (!got) return fail(got.error());
  auto digest = Digest::parse(got->digest);
  if (!digest) {
    return fail(UpstreamFailure{FailureKind::protocol, 0, "manifest without a sha256 digest", {}});
  }
  if (!index_.object(*digest)) {
    auto staging = store_.create_staging();
    std::error_code ec = staging ? staging.value()->append(got->body) : staging.error();
    if (!ec) ec = staging.value()->sync();
    if (!ec) ec = store_.publish(*staging.value(), *digest);
    if (ec) {
      return fail(UpstreamFailure{FailureKind::aborted, 0, "cannot store manifest: " + ec.message(), {}});
    }
    auto now = clock_.now_seconds();
    index_.put_object({*digest, got->body.size(), got->media_type, now, now});
  }
  index_.link(client.upstream().name, repository, *digest);
  link_references(client.upstream().name, repository, got->body);
  return *digest;
}

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
    if (is_cached_manifest(digest)) {
      if (!index_.linked(up, repository, digest)) {
        auto head = co_await offload(workers_, [&] {
          return client.get_manifest(repository, reference, /*head_only=*/true, call);
        });
        if (!head) co_return error_out(to_cache_error(head.error(), up, ErrorCode::manifest_unknown));
        index_.link(up, repository, digest);
      }
      co_return serve_cached_manifest(digest, CacheOutcome::hit);
    }
    auto fetched = co_await offload(
        workers_, [&] { return fetch_manifest(client, repository, reference, call); });
    if (!fetched) co_return error_out(to_cache_error(fetched.error(), up, ErrorCode::manifest_unknown));
    co_return serve_cached_manifest(fetched.value(), CacheOutcome::miss);
  }

  // By tag: serve from cache while fresh, else revalidate with a HEAD (free
  // against Docker Hub's pull quota) and fetch only when the digest changed.
  const auto now = clock_.now_seconds();
  auto tag = index_.tag(up, repository, reference);
  bool have_cached = tag && is_cached_manifest(tag->digest);
  if (have_cached && now - tag->validated_at < client.upstream().tag_revalidate.count()) {
    co_return serve_cached_manifest(tag->digest, CacheOutcome::hit);
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
    index_.link(up, repository, *upstream_digest);
    co_return serve_cached_manifest(*upstream_digest, CacheOutcome::hit);
  }
  // Fetch by digest when upstream told it, so tag and content stay consistent.
  auto ref = upstream_digest ? upstream_digest->str() : reference;
  auto fetched =
      co_await offload(workers_, [&] { return fetch_manifest(client, repository, ref, call); });
  if (!fetched) {
    if (have_cached && fetched.error().kind != FailureKind::not_found) {
      co_return serve_cached_manifest(tag->digest, CacheOutcome::stale);
    }
    co_return error_out(to_cache_error(fetched.error(), up, ErrorCode::manifest_unknown));
  }
  index_.put_tag(up, repository, reference, {fetched.value(), now});
  co_return serve_cached_manifest(fetched.value(), CacheOutcome::miss);
}

asio::awaitable<Result<upstream::PassthroughResponse, CacheError>> PullThroughCache::tags(
    upstream::UpstreamRegistry& client, std::string repository, std::string query,
    upstream::CallContext call) {
  auto listed =
      co_await offload(workers_, [&] { return client.list_tags(repository, query, call); });
  if (!listed) co_return fail(to_cache_error(listed.error(), client.upstream().name, ErrorCode::name_unknown));
  co_return std::move(listed.value());
}

}  // namespace regcache::cache
