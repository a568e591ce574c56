#pragma once
// Session: one client connection. Reads request heads with a size limit and a
// timeout, hands each to the RequestHandler, writes one access-log line per
// request, and keeps the connection alive while both sides want it.

#include <atomic>
#include <memory>
#include <string>

#include "http/beast.hpp"
#include "http/request_handler.hpp"
#include "http/server_limits.hpp"

namespace regcache::http {

class Server;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server);
  ~Session();

  // The connection's whole life. Runs on the socket's strand.
  asio::awaitable<void> run();
  // From any thread: finish the current request, then close.
  void request_stop();
  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  asio::awaitable<void> answer_rejection(unsigned status, std::string message, unsigned version);

  beast::tcp_stream stream_;
  Server& server_;
  std::string client_address_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> idle_{true};
};

}  // namespace regcache::http
