#include "api/peer_handler.hpp"

namespace regcache::api {

namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kPrefix = "/_regcache/inflight/";

bhttp::response<bhttp::string_body> plain(unsigned status, std::string body) {
  bhttp::response<bhttp::string_body> response;
  response.result(status);
  response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  response.set(bhttp::field::cache_control, "no-store");
  response.body() = std::move(body) + "\n";
  return response;
}

}  // namespace

PeerHandler::PeerHandler(http::RequestHandler& next, cache::BlobFetcher& fetcher,
                         const ResponseHeaders& headers, std::chrono::seconds stall_timeout,
                         asio::thread_pool& storage_readers, std::string node_id)
    : next_(next),
      fetcher_(fetcher),
      responder_(headers, stall_timeout, storage_readers),
      node_id_(std::move(node_id)) {}

asio::awaitable<void> PeerHandler::handle(const http::RequestContext& context,
                                          http::ResponseWriter& writer) {
  std::string_view path = context.request.target();
  if (!path.starts_with(kPrefix)) {
    co_await next_.handle(context, writer);
    co_return;
  }
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (context.request.method() != bhttp::verb::get ||
      context.request["X-Regcache-Lease"] != node_id_ || node_id_.empty()) {
    co_await writer.send(plain(403, "not a node following this node's download"));
    co_return;
  }
  auto digest = registry::Digest::parse(path.substr(kPrefix.size()));
  auto fetch = digest ? fetcher_.find(*digest) : nullptr;
  if (!fetch) {
    co_await writer.send(plain(404, "no download of this blob runs on this node"));
    co_return;
  }
  ContentDescription what;
  what.digest = digest->str();
  what.content_type = "application/octet-stream";
  what.upstream = "this node";
  auto handover = co_await responder_.send_inflight(writer, std::move(fetch), what);
  // The download lost its storage here: the follower falls back on its own.
  if (handover.needed) writer.abort();
}

}  // namespace regcache::api
