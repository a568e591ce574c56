#include "upstream/registry_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "registry/digest.hpp"
#include "upstream/attempt_error.hpp"
#include "upstream/blob_download.hpp"
#include "upstream/http_transport.hpp"
#include "upstream/retry_policy.hpp"
#include "upstream/upstream_auth.hpp"
#include "util/sha256.hpp"

namespace regcache::upstream {
namespace {

constexpr size_t kManifestBodyLimit = 4 * 1024 * 1024;
constexpr size_t kTagListBodyLimit = 16 * 1024 * 1024;
constexpr size_t kErrorBodyLimit = 64 * 1024;
// Resumes that delivered bytes do not count as retries; this bounds them anyway.
constexpr unsigned kMaxResumes = 64;

constexpr const char* kManifestAccept =
    "Accept: application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws, "
    "application/vnd.docker.distribution.manifest.v1+json";

// Schema 1 manifests are signed: Docker-Content-Digest covers the payload
// without the signatures, so it never matches the body's hash.
bool is_schema1(const std::string& media_type) {
  return media_type.rfind("application/vnd.docker.distribution.manifest.v1", 0) == 0;
}

std::string media_type_of(const ResponseHead& head, const std::string& body) {
  std::string type = head.get("content-type").value_or("");
  if (auto semicolon = type.find(';'); semicolon != std::string::npos) {
    type.erase(semicolon);
    while (!type.empty() && type.back() == ' ') type.pop_back();
  }
  if (!type.empty() || body.empty()) return type;
  // No Content-Type: fall back to the manifest's own mediaType field.
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    auto it = json.find("mediaType");
    if (it != json.end() && it->is_string()) return it->get<std::string>();
  }
  return type;
}

UpstreamFailure protocol_failure(long status, std::string message) {
  return UpstreamFailure{FailureKind::protocol, status, std::move(message), {}};
}

}  // namespace

struct RegistryClient::Impl {
  Impl(config::UpstreamConfig upstream_config, config::TuningConfig tuning_config)
      : upstream(std::move(upstream_config)),
        tuning(tuning_config),
        transport(TransportSettings{upstream.name, std::string("regcache/") + build_info::kVersion,
                                    tuning.upstream_connect_timeout, tuning.upstream_stall_timeout,
                                    upstream.egress, std::max<size_t>(tuning.upstream_workers, 4),
                                    upstream.trust}),
        auth(upstream, transport),
        retry(tuning.upstream_retries) {
    while (!upstream.remote_url.empty() && upstream.remote_url.back() == '/') {
      upstream.remote_url.pop_back();
    }
  }

  std::string url(const std::string& path) const { return upstream.remote_url + path; }

  // One authenticated exchange with the registry: credentials up front when
  // the challenge is known, and on a 401 one more try with fresh credentials.
  // Transfer errors stay in the outcome (the caller knows its stream); only
  // authentication failures become errors here.
  Result<HttpOutcome, AttemptError> exchange(const std::string& repository, HttpRequest request,
                                             BodyStream* stream, const std::stop_token& stop) {
    auto credentials = auth.credentials_for(repository, request.request_id);
    if (!credentials) return fail(credentials.error());
    for (int round = 0;; ++round) {
      request.auth = credentials->auth;
      HttpOutcome outcome = transport.perform(request, stream, stop);
      record_quota(outcome.head);
      if (outcome.head.status() != 401 || !outcome.head.complete()) return outcome;
      if (round > 0) return fail(auth.rejected(repository, *credentials));
      credentials =
          auth.after_unauthorized(repository, outcome.head, *credentials, request.request_id);
      if (!credentials) return fail(credentials.error());
    }
  }

  // Runs `attempt` until it succeeds, fails for good, or retries run out, with
  // backoff between attempts; a stop request ends the wait at once.
  template <class T, class Attempt>
  Result<T, UpstreamFailure> with_retries(const std::string& what, const std::stop_token& stop,
                                          Attempt&& attempt) {
    unsigned retries = 0;
    unsigned resumes = 0;
    for (;;) {
      if (stop.stop_requested()) return fail(aborted(what));
      Result<T, AttemptError> result = attempt();
      if (result) return std::move(result).value();
      AttemptError& error = result.error();
      if (!error.retryable) return fail(std::move(error.failure));
      if (error.made_progress && resumes < kMaxResumes) {
        // The transfer moved on before it broke: resume at once, with a fresh
        // retry budget (a resume is not a retry).
        ++resumes;
        retries = 0;
        spdlog::warn("{}; resuming", error.failure.message);
        continue;
      }
      if (retries >= retry.max_retries()) return fail(std::move(error.failure));
      const auto delay = retry.delay(retries++);
      spdlog::warn("{}; retry {}/{} in {} ms", error.failure.message, retries, retry.max_retries(),
                   delay.count());
      if (!wait_unless_stopped(delay, stop)) return fail(aborted(what));
    }
  }

  UpstreamFailure aborted(const std::string& what) const {
    return UpstreamFailure{FailureKind::aborted,
                           0,
                           fmt::format("upstream {}: {} was cancelled", upstream.name, what),
                           {}};
  }

  void record_quota(const ResponseHead& head) {
    auto limit = head.get("ratelimit-limit");
    auto remaining = head.get("ratelimit-remaining");
    if (!limit && !remaining) return;
    std::lock_guard lock(quota_mutex);
    if (limit) quota.limit = std::move(limit);
    if (remaining) quota.remaining = std::move(remaining);
  }

  config::UpstreamConfig upstream;
  const config::TuningConfig tuning;
  HttpTransport transport;
  UpstreamAuth auth;  // after transport: it uses it
  const RetryPolicy retry;
  mutable std::mutex quota_mutex;
  QuotaSnapshot quota;  // guarded by quota_mutex
};

RegistryClient::RegistryClient(config::UpstreamConfig upstream, config::TuningConfig tuning)
    : impl_(std::make_unique<Impl>(std::move(upstream), tuning)) {}

RegistryClient::~RegistryClient() = default;

Result<ManifestResponse, UpstreamFailure> RegistryClient::get_manifest(
    const std::string& repository, const std::string& reference, bool head_only,
    const CallContext& call) {
  Impl& impl = *impl_;
  const std::string what = fmt::format("manifest {}:{}", repository, reference);
  std::optional<registry::Digest> expected;
  if (registry::looks_like_digest(reference)) {
    expected = registry::Digest::parse(reference);
    if (!expected) {
      return fail(protocol_failure(0, fmt::format("{}: unsupported digest", what)));
    }
  }
  HttpRequest request;
  request.head = head_only;
  request.url = impl.url("/v2/" + repository + "/manifests/" + reference);
  request.headers.push_back(kManifestAccept);
  request.body_limit = kManifestBodyLimit;
  request.kind = "manifest";
  request.request_id = call.request_id;

  return impl.with_retries<ManifestResponse>(
      what, {}, [&]() -> Result<ManifestResponse, AttemptError> {
        auto exchanged = impl.exchange(repository, request, nullptr, {});
        if (!exchanged) return fail(exchanged.error());
        HttpOutcome& outcome = *exchanged;
        if (outcome.error) return fail(transport_error(outcome, impl.upstream.name, what));
        const long status = outcome.head.status();
        if (status != 200) return fail(status_error(outcome, impl.upstream.name, what));

        ManifestResponse manifest;
        manifest.media_type = media_type_of(outcome.head, outcome.body);
        auto header_digest = outcome.head.get("docker-content-digest");
        if (head_only) {
          if (header_digest && registry::looks_like_digest(*header_digest)) {
            manifest.digest = *header_digest;
          } else if (expected) {
            manifest.digest = expected->str();
          } else {
            return fail(attempt_error(protocol_failure(
                status, fmt::format("upstream {} sent no valid Docker-Content-Digest for {}",
                                    impl.upstream.name, what))));
          }
          auto length = parse_decimal(outcome.head.get("content-length").value_or(""));
          if (!length) {
            return fail(attempt_error(
                protocol_failure(status, fmt::format("upstream {} sent no Content-Length for {}",
                                                     impl.upstream.name, what))));
          }
          manifest.size = *length;
          return manifest;
        }
        manifest.digest = "sha256:" + Sha256::hex_of(outcome.body);
        manifest.size = outcome.body.size();
        if (expected && expected->str() != manifest.digest) {
          return fail(attempt_error(protocol_failure(
              status, fmt::format("upstream {} sent a manifest for {} whose digest is {}",
                                  impl.upstream.name, what, manifest.digest))));
        }
        if (header_digest && *header_digest != manifest.digest &&
            !is_schema1(manifest.media_type)) {
          return fail(attempt_error(protocol_failure(
              status, fmt::format("upstream {} sent Docker-Content-Digest {} for {} but the "
                                  "body's digest is {}",
                                  impl.upstream.name, *header_digest, what, manifest.digest))));
        }
        manifest.body = std::move(outcome.body);
        return manifest;
      });
}

Result<BlobInfo, UpstreamFailure> RegistryClient::head_blob(const std::string& repository,
                                                            const std::string& digest,
                                                            const CallContext& call) {
  Impl& impl = *impl_;
  const std::string what = fmt::format("blob {}@{}", repository, digest);
  HttpRequest request;
  request.head = true;
  request.url = impl.url("/v2/" + repository + "/blobs/" + digest);
  request.follow_redirects = true;
  request.body_limit = kErrorBodyLimit;
  request.kind = "blob";
  request.request_id = call.request_id;

  return impl.with_retries<BlobInfo>(what, {}, [&]() -> Result<BlobInfo, AttemptError> {
    auto exchanged = impl.exchange(repository, request, nullptr, {});
    if (!exchanged) return fail(exchanged.error());
    HttpOutcome& outcome = *exchanged;
    if (outcome.error) return fail(transport_error(outcome, impl.upstream.name, what));
    const long status = outcome.head.status();
    if (status != 200) return fail(status_error(outcome, impl.upstream.name, what));
    auto length = parse_decimal(outcome.head.get("content-length").value_or(""));
    if (!length) {
      return fail(attempt_error(protocol_failure(
          status,
          fmt::format("upstream {} sent no Content-Length for {}", impl.upstream.name, what))));
    }
    return BlobInfo{*length};
  });
}

Result<BlobInfo, UpstreamFailure> RegistryClient::fetch_blob(const std::string& repository,
                                                             const std::string& digest,
                                                             BlobSink& sink, std::stop_token stop,
                                                             const CallContext& call) {
  Impl& impl = *impl_;
  const std::string what = fmt::format("blob {}@{}", repository, digest);
  BlobDownload download(sink);

  return impl.with_retries<BlobInfo>(what, stop, [&]() -> Result<BlobInfo, AttemptError> {
    HttpRequest request;
    request.url = impl.url("/v2/" + repository + "/blobs/" + digest);
    request.follow_redirects = true;
    request.body_limit = kErrorBodyLimit;
    request.range_from = download.resume_from();
    request.kind = "blob";
    request.request_id = call.request_id;
    download.begin_attempt();

    auto exchanged = impl.exchange(repository, request, &download, stop);
    if (!exchanged) return fail(exchanged.error());
    HttpOutcome& outcome = *exchanged;
    const long status = outcome.head.status();
    if (download.sink_refused() || stop.stop_requested()) {
      return fail(
          attempt_error(UpstreamFailure{FailureKind::aborted,
                                        status,
                                        fmt::format("upstream {}: {} was aborted after {} bytes",
                                                    impl.upstream.name, what, download.delivered()),
                                        {}}));
    }
    if (!download.problem().empty()) {
      return fail(attempt_error(protocol_failure(
          status,
          fmt::format("upstream {}: {}: {}", impl.upstream.name, what, download.problem()))));
    }
    if (outcome.error) {
      AttemptError error = transport_error(outcome, impl.upstream.name, what);
      error.made_progress = download.progressed_this_attempt();
      return fail(std::move(error));
    }
    if (status != 200 && status != 206) {
      return fail(status_error(outcome, impl.upstream.name, what));
    }
    if (download.declared_size() && download.delivered() != *download.declared_size()) {
      return fail(attempt_error(protocol_failure(
          status, fmt::format("upstream {}: {}: got {} of {} bytes", impl.upstream.name, what,
                              download.delivered(), *download.declared_size()))));
    }
    return BlobInfo{download.delivered()};
  });
}

Result<PassthroughResponse, UpstreamFailure> RegistryClient::list_tags(
    const std::string& repository, const std::string& query, const CallContext& call) {
  Impl& impl = *impl_;
  const std::string what = fmt::format("tags of {}", repository);
  HttpRequest request;
  request.url = impl.url("/v2/" + repository + "/tags/list");
  if (!query.empty()) request.url += (query.front() == '?' ? "" : "?") + query;
  request.body_limit = kTagListBodyLimit;
  request.kind = "tags";
  request.request_id = call.request_id;

  return impl.with_retries<PassthroughResponse>(
      what, {}, [&]() -> Result<PassthroughResponse, AttemptError> {
        auto exchanged = impl.exchange(repository, request, nullptr, {});
        if (!exchanged) return fail(exchanged.error());
        HttpOutcome& outcome = *exchanged;
        if (outcome.error) return fail(transport_error(outcome, impl.upstream.name, what));
        const long status = outcome.head.status();
        if (status == 429 || status >= 500) {
          return fail(status_error(outcome, impl.upstream.name, what));
        }
        PassthroughResponse response;
        response.status = status;
        response.content_type = outcome.head.get("content-type").value_or("");
        response.link = outcome.head.get("link").value_or("");
        response.body = std::move(outcome.body);
        return response;
      });
}

Result<Ok, UpstreamFailure> RegistryClient::check(const std::string& repository) {
  Impl& impl = *impl_;
  const std::string what = "/v2/";
  HttpRequest request;
  request.url = impl.url("/v2/");
  request.body_limit = kErrorBodyLimit;
  request.kind = "ping";
  return impl.with_retries<Ok>(what, {}, [&]() -> Result<Ok, AttemptError> {
    auto exchanged = impl.exchange(repository, request, nullptr, {});
    if (!exchanged) return fail(exchanged.error());
    HttpOutcome& outcome = *exchanged;
    if (outcome.error) return fail(transport_error(outcome, impl.upstream.name, what));
    if (outcome.head.status() != 200) {
      return fail(status_error(outcome, impl.upstream.name, what));
    }
    return Ok{};
  });
}

QuotaSnapshot RegistryClient::quota() const {
  std::lock_guard lock(impl_->quota_mutex);
  return impl_->quota;
}

const config::UpstreamConfig& RegistryClient::upstream() const { return impl_->upstream; }

void RegistryClient::set_observer(ExchangeObserver* observer) {
  impl_->transport.set_observer(observer);
}

void RegistryClient::share_tokens(SharedTokenStore* store) { impl_->auth.share_tokens(store); }

}  // namespace regcache::upstream
