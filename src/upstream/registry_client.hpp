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
#include "upstream/upstream_failure.hpp"
#include "util/result.hpp"

namespace regcache::upstream {

struct ManifestResponse {
  std::string digest;      // Docker-Content-Digest; for GET, verified against the body
  std::string media_type;  // Content-Type
  uint64_t size = 0;       // Content-Length (HEAD) or body size (GET)
  std::string body;        // empty for HEAD
};

struct BlobInfo {
  uint64_t size = 0;  // bytes (HEAD: Content-Length; fetch: bytes delivered)
};

// An upstream answer passed through to the client as is (tags/list).
struct PassthroughResponse {
  long status = 0;
  std::string content_type;
  std::string link;  // Link header (pagination), empty if none
  std::string body;
};

// Quota headers Docker Hub sends (ratelimit-limit / ratelimit-remaining), as last seen.
struct QuotaSnapshot {
  std::optional<std::string> limit;
  std::optional<std::string> remaining;
};

class RegistryClient {
 public:
  RegistryClient(config::UpstreamConfig upstream, config::TuningConfig tuning);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // `repository` is the upstream's own name (e.g. "library/alpine").
  Result<ManifestResponse, UpstreamFailure> get_manifest(const std::string& repository,
                                                         const std::string& reference,
                                                         bool head_only);
  Result<BlobInfo, UpstreamFailure> head_blob(const std::string& repository,
                                              const std::string& digest);
  Result<BlobInfo, UpstreamFailure> fetch_blob(const std::string& repository,
                                               const std::string& digest, BlobSink& sink,
                                               std::stop_token stop = {});
  // `query` is the client's raw query string (n, last), forwarded as is.
  Result<PassthroughResponse, UpstreamFailure> list_tags(const std::string& repository,
                                                         const std::string& query);
  // GET /v2/ and a token for `repository:pull` if challenged: used by health checks.
  Result<Ok, UpstreamFailure> check(const std::string& repository);

  QuotaSnapshot quota() const;
  const config::UpstreamConfig& upstream() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcache::upstream
