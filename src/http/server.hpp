#pragma once
// Server: accepts HTTP/1.1 connections and runs one Session coroutine per
// connection on its own strand. stop() stops accepting, lets requests in
// progress finish and closes idle keep-alive connections.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "http/access_log.hpp"
#include "http/beast.hpp"
#include "http/request_handler.hpp"
#include "http/request_record.hpp"
#include "http/server_limits.hpp"

namespace regcache::http {

class Session;

class Server {
 public:
  Server(asio::io_context& io, RequestHandler& handler, ServerLimits limits);
  ~Server();

  // Binds and listens; throws boost::system::system_error (start-up path).
  void listen(const tcp::endpoint& endpoint);
  void start();
  void stop();
  uint16_t port() const;
  size_t connection_count() const;
  // Before start(): where each request's line goes, and who else hears of it.
  void set_access_log(AccessLog log) { access_log_ = std::move(log); }
  void set_observer(RequestObserver* observer) { observer_ = observer; }

 private:
  friend class Session;
  asio::awaitable<void> accept_loop();
  void attach(Session* session);
  void detach(Session* session);

  asio::io_context& io_;
  RequestHandler& handler_;
  ServerLimits limits_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  AccessLog access_log_;
  RequestObserver* observer_ = nullptr;

  mutable std::mutex sessions_mutex_;
  std::unordered_set<Session*> sessions_;
};

}  // namespace regcache::http
