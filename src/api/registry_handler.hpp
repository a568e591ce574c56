#pragma once
// RegistryHandler: the OCI distribution pull API on top of the pull-through
// cache. Validates every name, reference and digest before anything touches
// disk or upstream; answers push and delete with 405 UNSUPPORTED.

#include "api/content_responder.hpp"
#include "api/response_headers.hpp"
#include "api/upstream_router.hpp"
#include "cache/pull_through_cache.hpp"
#include "http/request_handler.hpp"
#include "registry/route.hpp"

namespace regcache::api {

class RegistryHandler final : public http::RequestHandler {
 public:
  RegistryHandler(cache::PullThroughCache& cache, const UpstreamRouter& router,
                  const ResponseHeaders& headers, std::chrono::seconds stall_timeout,
                  asio::thread_pool& storage_readers);

  asio::awaitable<void> handle(const http::RequestContext& context,
                             http::ResponseWriter& writer) override;
  http::bhttp::response<http::bhttp::string_body> reject(unsigned status,
                                                         std::string message) override;

 private:
  asio::awaitable<void> send_error(http::ResponseWriter& writer, const cache::CacheError& error);
  // OPTIONS: what the mirror allows (no body).
  http::bhttp::response<http::bhttp::string_body> options_response() const;
  asio::awaitable<void> manifest(const http::RequestContext& context, http::ResponseWriter& writer,
                                 const RoutedRepository& target, const registry::Route& route);
  asio::awaitable<void> blob(const http::RequestContext& context, http::ResponseWriter& writer,
                             const RoutedRepository& target, const registry::Route& route);
  asio::awaitable<void> tags(const http::RequestContext& context, http::ResponseWriter& writer,
                             const RoutedRepository& target, const registry::Route& route);
  asio::awaitable<void> send_redirect(http::ResponseWriter& writer, const std::string& location,
                                      const registry::Digest& digest);

  cache::PullThroughCache& cache_;
  const UpstreamRouter& router_;
  const ResponseHeaders& headers_;
  ContentResponder responder_;
};

}  // namespace regcache::api
