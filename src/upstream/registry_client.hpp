#pragma once
// RegistryClient: talks to one upstream registry over libcurl. Blocking and
// thread-safe: the cache layer calls it from its upstream worker threads.
//
// Contract:
//  - Bearer token flow from the WWW-Authenticate challenge (realm, service,
//    scope); tokens are cached per scope until they expire; Basic credentials
//    from the upstream config are sent to the token realm (or to the registry
//    when it challenges with Basic); anonymous when none are configured. No
//    `GET /v2/` before operations: the challenge is learnt from the first 401.
//  - Egress through the configured HTTP(S) proxy, honouring no_proxy.
//  - Redirects are followed (blobs: Docker Hub answers 307 to a CDN) without
//    sending the Authorization header to another host.
//  - Connect timeout and stall timeout from TuningConfig; retries with backoff
//    on connection errors and 5xx; a blob transfer that breaks in the middle
//    is resumed with `Range: bytes=N-` so the sink sees one continuous stream.
//  - Manifest requests accept Docker v2, manifest list, OCI manifest and OCI index.

#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "upstream/blob_sink.hpp"
#include "upstream/exchange_observer.hpp"
#include "upstream/shared_token_store.hpp"
#include "upstream/upstream_failure.hpp"
#include "upstream/upstream_registry.hpp"
#include "util/result.hpp"

namespace regcache::upstream {

// Quota headers Docker Hub sends (ratelimit-limit / ratelimit-remaining), as last seen.
struct QuotaSnapshot {
  std::optional<std::string> limit;
  std::optional<std::string> remaining;
};

class RegistryClient final : public UpstreamRegistry {
 public:
  RegistryClient(config::UpstreamConfig upstream, config::TuningConfig tuning);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // `repository` is the upstream's own name (e.g. "library/alpine").
  Result<ManifestResponse, UpstreamFailure> get_manifest(const std::string& repository,
                                                         const std::string& reference,
                                                         bool head_only,
                                                         const CallContext& call = {}) override;
  Result<BlobInfo, UpstreamFailure> head_blob(const std::string& repository,
                                              const std::string& digest,
                                              const CallContext& call = {}) override;
  Result<BlobInfo, UpstreamFailure> fetch_blob(const std::string& repository,
                                               const std::string& digest, BlobSink& sink,
                                               std::stop_token stop = {},
                                               const CallContext& call = {}) override;
  // `query` is the client's raw query string (n, last), forwarded as is.
  Result<PassthroughResponse, UpstreamFailure> list_tags(const std::string& repository,
                                                         const std::string& query,
                                                         const CallContext& call = {}) override;
  // GET /v2/ and a token for `repository:pull` if challenged: used by health checks.
  Result<Ok, UpstreamFailure> check(const std::string& repository);

  QuotaSnapshot quota() const;
  // Before the first request: told of every HTTP exchange (metrics, upstream
  // state, the upstream-request log line).
  void set_observer(ExchangeObserver* observer);
  // Before the first request: bearer tokens shared with other nodes (scale-out).
  void share_tokens(SharedTokenStore* store);
  const config::UpstreamConfig& upstream() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcache::upstream
