#pragma once
// UpstreamRegistry: what the cache needs from an upstream registry. The
// production implementation is RegistryClient (libcurl); unit tests of the cache
// use an in-memory fake.

#include <stop_token>
#include <string>

#include "config/config.hpp"
#include "upstream/blob_sink.hpp"
#include "upstream/call_context.hpp"
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

// Blocking and thread-safe: called from the upstream worker threads. `call`
// names the client request behind the call (for the upstream-request log).
class UpstreamRegistry {
 public:
  virtual ~UpstreamRegistry() = default;

  // `repository` is the upstream's own name (e.g. "library/alpine").
  virtual Result<ManifestResponse, UpstreamFailure> get_manifest(const std::string& repository,
                                                                 const std::string& reference,
                                                                 bool head_only,
                                                                 const CallContext& call = {}) = 0;
  virtual Result<BlobInfo, UpstreamFailure> head_blob(const std::string& repository,
                                                      const std::string& digest,
                                                      const CallContext& call = {}) = 0;
  virtual Result<BlobInfo, UpstreamFailure> fetch_blob(const std::string& repository,
                                                       const std::string& digest, BlobSink& sink,
                                                       std::stop_token stop = {},
                                                       const CallContext& call = {}) = 0;
  // `query` is the client's raw query string (n, last), forwarded as is.
  virtual Result<PassthroughResponse, UpstreamFailure> list_tags(const std::string& repository,
                                                                 const std::string& query,
                                                                 const CallContext& call = {}) = 0;
  virtual const config::UpstreamConfig& upstream() const = 0;
};

}  // namespace regcache::upstream
