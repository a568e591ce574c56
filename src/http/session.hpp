#pragma once
// Session: one client connection. Runs the TLS handshake (if any), reads
// request heads with size, count and time limits, works out the real client
// behind trusted proxies, hands each request to the RequestHandler, writes one
// access-log line per request, and keeps the connection alive while both
// sides want it.

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <memory>
#include <string>

#include "http/beast.hpp"
#include "http/client_stream.hpp"
#include "http/request_handler.hpp"
#include "http/server_limits.hpp"

namespace regcache::http {

class Server;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `connection_key`: what the server counts this connection under for the
  // per-client limit ("" when not counted).
  Session(std::unique_ptr<ClientStream> stream, Server& server, boost::asio::ip::address peer,
          std::string connection_key);
  ~Session();

  // The connection's whole life. Runs on the socket's strand.
  asio::awaitable<void> run();
  // From any thread: finish the current request, then close.
  void request_stop();
  asio::any_io_executor executor() { return stream_->tcp().get_executor(); }
  const std::string& connection_key() const { return connection_key_; }

 private:
  asio::awaitable<void> answer_rejection(unsigned status, std::string message, unsigned version);
  // The rest of a request head, within the head timeout (`timed_out` when not).
  bool parse_buffered_head(beast::flat_buffer& buffer, RequestParser& parser, ErrorCode& ec);
  asio::awaitable<ErrorCode> read_head(beast::flat_buffer& buffer, RequestParser& parser,
                                       bool& timed_out);
  // 400/408/413/414/431 for a head that cannot be served; "" when it can.
  std::string check_head(const Request& request, unsigned& status) const;

  std::unique_ptr<ClientStream> stream_;
  Server& server_;
  boost::asio::ip::address peer_;
  std::string peer_text_;
  std::string connection_key_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> idle_{true};
};

}  // namespace regcache::http
