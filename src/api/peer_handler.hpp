#pragma once
// PeerHandler: lets the other nodes on the same bucket follow a download this
// node is doing, so their clients get the bytes as they reach this node:
// GET /_regcache/inflight/sha256:<hex> with X-Regcache-Lease: <this node's ID>
// (which only readers of the fetch lease in Redis know). The answer is the
// download in progress with the usual guarantee: the last byte only after the
// digest is verified. 404 when no download of it runs here. Every other request
// goes to `next`.

#include <string>

#include "api/content_responder.hpp"
#include "cache/blob_fetcher.hpp"
#include "http/request_handler.hpp"

namespace regcache::api {

class PeerHandler final : public http::RequestHandler {
 public:
  PeerHandler(http::RequestHandler& next, cache::BlobFetcher& fetcher,
              const ResponseHeaders& headers, std::chrono::seconds stall_timeout,
              asio::thread_pool& storage_readers, std::string node_id);

  asio::awaitable<void> handle(const http::RequestContext& context,
                               http::ResponseWriter& writer) override;
  http::bhttp::response<http::bhttp::string_body> reject(unsigned status,
                                                         std::string message) override {
    return next_.reject(status, std::move(message));
  }

 private:
  http::RequestHandler& next_;
  cache::BlobFetcher& fetcher_;
  ContentResponder responder_;
  const std::string node_id_;
};

}  // namespace regcache::api
