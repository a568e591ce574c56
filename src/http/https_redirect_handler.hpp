#pragma once
// HttpsRedirectHandler: the optional plain-HTTP listener in front of a TLS
// mirror (regcache.tls.redirect_addr). Every request is sent to the same host
// and path over https: 301 for GET and HEAD, 308 (method kept) otherwise. The
// host comes from the request (or a trusted proxy's X-Forwarded-Host); a
// request without a usable Host gets 400.

#include <cstdint>

#include "http/request_handler.hpp"

namespace regcache::http {

class HttpsRedirectHandler final : public RequestHandler {
 public:
  // `https_port`: where TLS is served (omitted from the URL when 443).
  explicit HttpsRedirectHandler(uint16_t https_port) : https_port_(https_port) {}

  asio::awaitable<void> handle(const RequestContext& context, ResponseWriter& writer) override;
  bhttp::response<bhttp::string_body> reject(unsigned status, std::string message) override;

  // "https://host[:port]/path?query", or "" when `host` is not a host name or
  // address (with an optional port, which is replaced).
  std::string location(std::string_view host, std::string_view target) const;

 private:
  uint16_t https_port_;
};

}  // namespace regcache::http
