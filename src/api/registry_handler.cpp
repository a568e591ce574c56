#include "api/registry_handler.hpp"

#include "registry/digest.hpp"

namespace regcache::api {

namespace bhttp = http::bhttp;
using registry::ErrorCode;
using registry::RouteKind;

namespace {
constexpr const char* kAllowedMethods = "GET, HEAD, OPTIONS";

// The `route` label of the request metrics (a small fixed set).
const char* route_label(RouteKind kind) {
  switch (kind) {
    case RouteKind::base:
      return "base";
    case RouteKind::manifest:
      return "manifest";
    case RouteKind::blob:
      return "blob";
    case RouteKind::tags_list:
      return "tags";
    case RouteKind::catalog:
      return "catalog";
    case RouteKind::blob_upload:
      return "upload";
    default:
      return "other";
  }
}

}  // namespace

bhttp::response<bhttp::string_body> RegistryHandler::options_response() const {
  // 200 with an empty body rather than 204: the same for clients, and the
  // Content-Length: 0 the writer adds is allowed.
  bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
  response.set(bhttp::field::allow, kAllowedMethods);
  headers_.apply(response);
  return response;
}

RegistryHandler::RegistryHandler(cache::PullThroughCache& cache, const UpstreamRouter& router,
                                 const ResponseHeaders& headers, std::chrono::seconds stall_timeout,
                                 asio::thread_pool& storage_readers)
    : cache_(cache),
      router_(router),
      headers_(headers),
      responder_(headers, stall_timeout, storage_readers) {}

bhttp::response<bhttp::string_body> RegistryHandler::reject(unsigned status, std::string message) {
  bhttp::response<bhttp::string_body> response;
  response.result(status);
  response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::move(message) + "\n";
  headers_.apply(response);
  return response;
}

asio::awaitable<void> RegistryHandler::send_error(http::ResponseWriter& writer,
                                                  const cache::CacheError& error) {
  auto response = headers_.error(error.code, error.message);
  if (error.retry_after) response.set(bhttp::field::retry_after, *error.retry_after);
  co_await writer.send(std::move(response));
}

asio::awaitable<void> RegistryHandler::handle(const http::RequestContext& context,
                                              http::ResponseWriter& writer) {
  const auto& request = context.request;
  const bool readonly = request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  if (request.method() == bhttp::verb::options && request.target() == "*") {
    co_await writer.send(options_response());
    co_return;
  }
  auto routed = registry::parse_route(request.target());
  if (!routed.ok) {
    const cache::CacheError error{routed.error, routed.message, std::nullopt};
    co_await send_error(writer, error);
    co_return;
  }
  const auto& route = routed.route;
  context.note.route = route_label(route.kind);

  switch (route.kind) {
    case RouteKind::not_found:
      co_await writer.send(headers_.error(ErrorCode::unsupported, "no such API endpoint", 404));
      co_return;
    case RouteKind::catalog:
      co_await writer.send(
          headers_.error(ErrorCode::unsupported, "a pull-through cache does not list repositories", 404));
      co_return;
    case RouteKind::blob_upload: {
      const cache::CacheError error{ErrorCode::unsupported,
                                    "regcache is a pull-through cache: push is not supported",
                                    std::nullopt};
      co_await send_error(writer, error);
      co_return;
    }
    default:
      break;
  }
  if (request.method() == bhttp::verb::options) {
    co_await writer.send(options_response());
    co_return;
  }
  if (!readonly) {
    auto response =
        headers_.error(ErrorCode::unsupported,
                       "regcache is a pull-through cache: only GET and HEAD are supported");
    response.set(bhttp::field::allow, kAllowedMethods);
    co_await writer.send(std::move(response));
    co_return;
  }
  if (route.kind == RouteKind::base) {
    bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
    response.set(bhttp::field::content_type, "application/json; charset=utf-8");
    response.set(bhttp::field::cache_control, "no-store");
    response.body() = "{}";
    headers_.apply(response);
    co_await writer.send(std::move(response));
    co_return;
  }

  const std::string ns = registry::percent_decode(registry::query_param(route.query, "ns"));
  const RouteHints hints{ns, request[bhttp::field::host]};
  auto target = router_.route(route.repository, hints);
  if (!target) {
    co_await send_error(writer, target.error());
    co_return;
  }
  context.note.repository = target->repository;
  switch (route.kind) {
    case RouteKind::manifest:
      co_await manifest(context, writer, target.value(), route);
      break;
    case RouteKind::blob:
      co_await blob(context, writer, target.value(), route);
      break;
    case RouteKind::tags_list:
      co_await tags(context, writer, target.value(), route);
      break;
    default:
      break;
  }
}

asio::awaitable<void> RegistryHandler::manifest(const http::RequestContext& context,
                                                http::ResponseWriter& writer,
                                                const RoutedRepository& target,
                                                const registry::Route& route) {
  upstream::CallContext call{context.request_id};
  auto found = co_await cache_.manifest(*target.client, target.repository, route.reference,
                                        route.reference_is_digest, std::move(call));
  context.note.cache = cache::to_string(found.outcome);
  if (found.error) {
    co_await send_error(writer, *found.error);
    co_return;
  }
  ContentDescription what;
  what.digest = found.digest;
  what.content_type = found.media_type;
  what.if_none_match = std::string(context.request[bhttp::field::if_none_match]);
  what.upstream = target.client->upstream().name;
  // By tag: the answer may change and depends on Accept; by digest it never changes.
  what.cache_control = route.reference_is_digest ? headers_.cache_policy().by_digest()
                                                 : headers_.cache_policy().by_tag();
  what.vary_accept = !route.reference_is_digest;
  co_await responder_.send_cached(writer, *found.content, what);
}

asio::awaitable<void> RegistryHandler::blob(const http::RequestContext& context,
                                            http::ResponseWriter& writer,
                                            const RoutedRepository& target,
                                            const registry::Route& route) {
  auto digest = *registry::Digest::parse(route.reference);
  upstream::CallContext call{context.request_id};
  auto found = co_await cache_.blob(*target.client, target.repository, digest,
                                    writer.head_request(), std::move(call));
  context.note.cache = cache::to_string(found.outcome);
  if (found.error) {
    co_await send_error(writer, *found.error);
    co_return;
  }
  if (found.redirect) {
    co_await send_redirect(writer, *found.redirect, digest);
    co_return;
  }
  ContentDescription what;
  what.digest = digest.str();
  what.content_type = "application/octet-stream";
  what.range = std::string(context.request[bhttp::field::range]);
  what.if_range = std::string(context.request[bhttp::field::if_range]);
  what.if_none_match = std::string(context.request[bhttp::field::if_none_match]);
  what.upstream = target.client->upstream().name;
  what.cache_control = headers_.cache_policy().by_digest();
  ContentResponder::Handover uncached;
  if (found.cached) {
    co_await responder_.send_cached(writer, *found.cached, what);
  } else if (found.fetch) {
    uncached = co_await responder_.send_inflight(writer, std::move(found.fetch), what);
  } else if (found.outcome == cache::CacheOutcome::uncached) {
    uncached.needed = true;
  } else {
    co_await responder_.send_head(writer, found.size.value_or(0), what);
  }
  if (uncached.needed) {
    // Caching is paused (storage full): this client gets its own upstream stream.
    context.note.cache = cache::to_string(cache::CacheOutcome::uncached);
    auto stream = cache_.stream_uncached(*target.client, target.repository, digest);
    if (!stream) {
      if (uncached.header_sent) {
        writer.abort();
      } else {
        co_await send_error(writer, stream.error());
      }
      co_return;
    }
    co_await responder_.send_direct(writer, std::move(stream.value()), what, uncached);
  }
}

asio::awaitable<void> RegistryHandler::send_redirect(http::ResponseWriter& writer,
                                                     const std::string& location,
                                                     const registry::Digest& digest) {
  // The bucket serves the bytes (storage.redirect.disable: false), as registry:2 does.
  bhttp::response<bhttp::string_body> response{bhttp::status::temporary_redirect, 11};
  response.set(bhttp::field::location, location);
  response.set("Docker-Content-Digest", digest.str());
  // The URL expires: a CDN must not keep this answer for the blob's lifetime.
  response.set(bhttp::field::cache_control, "no-store");
  headers_.apply(response);
  co_await writer.send(std::move(response));
}

asio::awaitable<void> RegistryHandler::tags(const http::RequestContext& context,
                                            http::ResponseWriter& writer,
                                            const RoutedRepository& target,
                                            const registry::Route& route) {
  upstream::CallContext call{context.request_id};
  auto listed =
      co_await cache_.tags(*target.client, target.repository, route.query, std::move(call));
  if (!listed) {
    co_await send_error(writer, listed.error());
    co_return;
  }
  bhttp::response<bhttp::string_body> response;
  response.result(static_cast<unsigned>(listed->status));
  response.set(bhttp::field::content_type,
               listed->content_type.empty() ? "application/json" : listed->content_type);
  if (!listed->link.empty()) response.set(bhttp::field::link, listed->link);
  response.set(bhttp::field::cache_control, "no-store");
  response.body() = std::move(listed->body);
  headers_.apply(response);
  co_await writer.send(std::move(response));
}

}  // namespace regcache::api
