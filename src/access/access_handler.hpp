#pragma once
// AccessHandler: the gate in front of the registry API (a RequestHandler
// decorator). In order, for each request:
//  1. health paths (regcache.origin.health_paths): only their own allow list,
//     then straight to the API;
//  2. origin protection: deny/allow lists on the real client address
//     -> 403 DENIED;
//  3. another node following a download here (/_regcache/inflight/..., proved
//     by the fetch lease's node ID, see api/PeerHandler): straight to the API;
//  4. origin protection: the CDN's shared secret -> 403 DENIED;
//  5. the client's request rate -> 429 TOOMANYREQUESTS with Retry-After;
//  6. htpasswd authentication (not for OPTIONS) -> 401 UNAUTHORIZED with a
//     Basic challenge;
//  7. blob GETs: redirect to the CDN (307) when configured and the request did
//     not come from the CDN; else the client's concurrent downloads -> 429.
// Every refusal is a registry JSON error with Cache-Control: no-store.

#include <functional>
#include <memory>
#include <string>

#include "access/client_authenticator.hpp"
#include "access/concurrency_limiter.hpp"
#include "access/origin_guard.hpp"
#include "access/rate_limiter.hpp"
#include "access/shared_rate_limit.hpp"
#include "api/response_headers.hpp"
#include "http/request_handler.hpp"
#include "util/asio.hpp"

namespace regcache::access {

// The gate's parts; each may be absent (that check is off).
struct AccessControls {
  std::unique_ptr<OriginGuard> origin;
  std::unique_ptr<RateLimiter> rate;
  std::unique_ptr<ConcurrencyLimiter> downloads;
  std::unique_ptr<ClientAuthenticator> auth;
  std::string blob_redirect;  // CDN base URL; "" = serve blobs here
};

class AccessHandler final : public http::RequestHandler {
 public:
  // `auth_workers` runs the bcrypt checks, away from the I/O threads.
  AccessHandler(http::RequestHandler& inner, const api::ResponseHeaders& headers,
                AccessControls controls, asio::thread_pool& auth_workers);

  asio::awaitable<void> handle(const http::RequestContext& context,
                               http::ResponseWriter& writer) override;
  http::bhttp::response<http::bhttp::string_body> reject(unsigned status,
                                                         std::string message) override;

  ClientAuthenticator* authenticator() { return controls_.auth.get(); }
  // Before serving: rate budgets shared with other nodes, asked on `workers`
  // (a network round trip); the node's own limiter while it cannot be reached.
  void share_rate_limits(SharedRateLimit* shared, asio::thread_pool& workers) {
    shared_rate_ = shared;
    rate_workers_ = &workers;
  }
  // Before serving: recognises the other nodes' follow requests (scale-out).
  void admit_peers(std::function<bool(const http::Request&)> is_peer) {
    is_peer_ = std::move(is_peer);
  }

 private:
  asio::awaitable<void> refuse(http::ResponseWriter& writer, registry::ErrorCode code,
                               std::string message, unsigned retry_after = 0);
  // True when the request may go on; otherwise the answer was sent.
  asio::awaitable<bool> authenticate(const http::RequestContext& context,
                                     http::ResponseWriter& writer);

  http::RequestHandler& inner_;
  const api::ResponseHeaders& headers_;
  AccessControls controls_;
  asio::thread_pool& auth_workers_;
  SharedRateLimit* shared_rate_ = nullptr;
  asio::thread_pool* rate_workers_ = nullptr;
  std::function<bool(const http::Request&)> is_peer_;
};

}  // namespace regcache::access
