#include "access/access_handler.hpp"

#include "registry/route.hpp"
#include "util/ip_range.hpp"
#include "util/offload.hpp"

namespace regcache::access {

namespace bhttp = http::bhttp;
using registry::ErrorCode;

namespace {
// A download slot frees up as soon as one of the client's downloads ends.
constexpr unsigned kDownloadRetryAfter = 1;
}  // namespace

AccessHandler::AccessHandler(http::RequestHandler& inner, const api::ResponseHeaders& headers,
                             AccessControls controls, asio::thread_pool& auth_workers)
    : inner_(inner),
      headers_(headers),
      controls_(std::move(controls)),
      auth_workers_(auth_workers) {}

bhttp::response<bhttp::string_body> AccessHandler::reject(unsigned status, std::string message) {
  return inner_.reject(status, std::move(message));
}

asio::awaitable<void> AccessHandler::refuse(http::ResponseWriter& writer, ErrorCode code,
                                            std::string message, unsigned retry_after) {
  auto response = headers_.error(code, message);
  if (retry_after > 0) response.set(bhttp::field::retry_after, std::to_string(retry_after));
  co_await writer.send(std::move(response));
}

asio::awaitable<bool> AccessHandler::authenticate(const http::RequestContext& context,
                                                  http::ResponseWriter& writer) {
  auto& auth = *controls_.auth;
  const std::string authorization(context.request[bhttp::field::authorization]);
  std::string user;
  const auto now = ClientAuthenticator::Clock::now();
  const auto verdict = co_await offload(auth_workers_, [&auth, &authorization, &user, now] {
    return auth.check(authorization, user, now);
  });
  switch (verdict) {
    case ClientAuthenticator::Verdict::anonymous:
      co_return true;
    case ClientAuthenticator::Verdict::authenticated:
      context.note.user = std::move(user);
      co_return true;
    case ClientAuthenticator::Verdict::required:
    case ClientAuthenticator::Verdict::rejected:
      break;
  }
  const bool rejected = verdict == ClientAuthenticator::Verdict::rejected;
  auto response = headers_.error(ErrorCode::unauthorized, rejected ? "invalid username or password"
                                                                   : "authentication required");
  response.set(bhttp::field::www_authenticate, auth.challenge());
  co_await writer.send(std::move(response));
  co_return false;
}

asio::awaitable<void> AccessHandler::handle(const http::RequestContext& context,
                                            http::ResponseWriter& writer) {
  const auto& request = context.request;
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto* origin = controls_.origin.get();

  if (origin != nullptr && origin->is_health_path(path)) {
    if (!origin->health_allowed(context.client_address)) {
      co_await refuse(writer, ErrorCode::denied, "this address may not use the health endpoints");
      co_return;
    }
    co_await inner_.handle(context, writer);
    co_return;
  }

  // The address lists say who may connect at all, clients and other nodes alike.
  if (origin != nullptr && !origin->address_allowed(context.client_address)) {
    co_await refuse(writer, ErrorCode::denied, "access from this address is not allowed");
    co_return;
  }

  // A node following a download here: it is no client (no secret, no user,
  // no client rate).
  if (is_peer_ && path.starts_with("/_regcache/inflight/") && is_peer_(request)) {
    co_await inner_.handle(context, writer);
    co_return;
  }

  const bool from_cdn = origin != nullptr && origin->checks_secret() && origin->has_secret(request);
  // With a CDN redirect the secret only tells the CDN apart; without one, it
  // is the only way in.
  if (origin != nullptr && origin->checks_secret() && !from_cdn &&
      controls_.blob_redirect.empty()) {
    co_await refuse(writer, ErrorCode::denied, "this mirror is only reachable through its CDN");
    co_return;
  }

  const std::string client = client_key(context.client_address);
  if (controls_.rate) {
    std::optional<uint32_t> shared;
    if (shared_rate_ != nullptr) {
      const auto* rate = controls_.rate.get();
      shared = co_await offload(*rate_workers_, [this, &client, rate] {
        return shared_rate_->acquire(client, rate->per_second(), rate->burst());
      });
    }
    if (auto wait = shared ? *shared : controls_.rate->acquire(client, RateLimiter::Clock::now())) {
      co_await refuse(writer, ErrorCode::too_many_requests,
                      "too many requests from this client; slow down", wait);
      co_return;
    }
  }

  if (controls_.auth && request.method() != bhttp::verb::options) {
    if (!co_await authenticate(context, writer)) co_return;
  }

  std::optional<ConcurrencyLimiter::Slot> download;
  if (request.method() == bhttp::verb::get && path.find("/blobs/") != std::string_view::npos) {
    const auto routed = registry::parse_route(target);
    if (routed.ok && routed.route.kind == registry::RouteKind::blob) {
      if (!controls_.blob_redirect.empty() && !from_cdn) {
        // The bytes come from the CDN, which fetches them here with the secret.
        bhttp::response<bhttp::string_body> response{bhttp::status::temporary_redirect, 11};
        response.set(bhttp::field::location, controls_.blob_redirect + std::string(target));
        response.set(bhttp::field::cache_control, api::CachePolicy::kNoStore);
        headers_.apply(response);
        co_await writer.send(std::move(response));
        co_return;
      }
      if (controls_.downloads) {
        download = controls_.downloads->try_acquire(client);
        if (!download) {
          co_await refuse(writer, ErrorCode::too_many_requests,
                          "too many downloads in progress from this client", kDownloadRetryAfter);
          co_return;
        }
      }
    }
  }
  co_await inner_.handle(context, writer);
}

}  // namespace regcache::access
