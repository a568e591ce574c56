#pragma once
#include <string>
#include <string_view>

#include "http/access_note.hpp"
#include "http/beast.hpp"
#include "http/response_writer.hpp"

namespace regcache::http {

// Everything a handler learns about one request. Passed by reference: GCC 12
// mishandles aggregates with reference members passed by value to coroutines.
struct RequestContext {
  const Request& request;
  // The real client: the peer, or the address a trusted proxy forwarded.
  const std::string& client_address;
  AccessNote& note;
  const std::string& request_id;     // X-Request-ID (the client's or a generated one)
  std::string_view scheme = "http";  // as the client used it: "https" or "http"
  std::string_view host = {};        // Host as the client sent it (may carry a port)
};

// The application behind the server. `handle` must answer through the writer
// (or abort it); the connection is closed if it does not.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual asio::awaitable<void> handle(const RequestContext& context, ResponseWriter& writer) = 0;
  // Answer for a request the server rejects before the handler sees it
  // (malformed head, announced body, over limits).
  virtual bhttp::response<bhttp::string_body> reject(unsigned status, std::string message) = 0;
};

}  // namespace regcache::http
