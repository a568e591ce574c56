#pragma once
// HttpTransport: performs one HTTP exchange with libcurl (no retries, no
// authentication flow; RegistryClient and UpstreamAuth build those on top).
// It owns the curl share and the pool of reusable easy handles, applies the
// egress proxy, timeouts and redirect policy, and either buffers the response
// body (with a size limit) or streams it to a BodyStream.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <system_error>
#include <vector>

#include "config/config.hpp"
#include "net/curl_handle_pool.hpp"
#include "net/curl_share.hpp"
#include "upstream/exchange_observer.hpp"
#include "upstream/response_head.hpp"

namespace regcache::upstream {

// Credentials attached to one request. libcurl sends them only to the host of
// the request URL, never to the target of a redirect on another host or port.
struct RequestAuth {
  enum class Scheme { none, basic, bearer };
  Scheme scheme = Scheme::none;
  std::string username;  // basic
  std::string password;  // basic
  std::string token;     // bearer
};

struct HttpRequest {
  bool head = false;  // HEAD instead of GET
  std::string url;
  std::vector<std::string> headers;  // extra "Name: value" lines
  RequestAuth auth;
  bool follow_redirects = false;       // up to 5
  std::optional<uint64_t> range_from;  // sends "Range: bytes=<n>-"
  // Bodies that are buffered (not streamed) larger than this end the transfer.
  size_t body_limit = 64 * 1024;
  const char* kind = "other";  // for metrics and logs: manifest, blob, tags, token, ping
  std::string request_id;      // of the client request that caused it
};

// Receives the body of the final response instead of the buffer.
class BodyStream {
 public:
  enum class Mode { stream, buffer, abort };
  virtual ~BodyStream() = default;
  // Called once the head of the final response (after redirects) is complete,
  // before any of its body: stream the body here, buffer it in
  // HttpOutcome::body (e.g. an error answer), or abort the transfer.
  virtual Mode on_head(const ResponseHead& head) = 0;
  // Returns false to abort the transfer.
  virtual bool on_body(std::span<const char> bytes) = 0;
};

struct HttpOutcome {
  std::error_code error;     // curl_category(); empty when the whole answer arrived
  std::string error_detail;  // libcurl's description of `error`
  ResponseHead head;         // head.status() == 0 when no answer arrived
  std::string body;          // the buffered body (not the streamed one)
  bool body_over_limit = false;
  bool head_over_limit = false;
  std::string effective_url;  // after redirects, without credentials or query
  std::chrono::milliseconds duration{0};
};

struct TransportSettings {
  std::string upstream_name;  // for log lines
  std::string user_agent;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{30};  // no byte received for this long ends the transfer
  config::EgressProxy egress;
  size_t max_idle_handles = 32;
  config::UpstreamTrust trust;
};

class HttpTransport {
 public:
  explicit HttpTransport(TransportSettings settings);

  // Blocking. `stream` may be null (buffer everything). `stop` aborts the
  // transfer (CURLE_ABORTED_BY_CALLBACK) within about a second.
  HttpOutcome perform(const HttpRequest& request, BodyStream* stream, std::stop_token stop);

  const TransportSettings& settings() const { return settings_; }
  // Before the first perform(): told of every exchange from then on.
  void set_observer(ExchangeObserver* observer) { observer_ = observer; }

 private:
  const TransportSettings settings_;
  ExchangeObserver* observer_ = nullptr;
  net::CurlShare share_;  // outlives pool_ (declared first)
  net::CurlHandlePool pool_;
};

}  // namespace regcache::upstream
