#pragma once
// Server: accepts HTTP/1.1 connections, plain or TLS, and runs one Session
// coroutine per connection on its own strand. stop() stops accepting, lets
// requests in progress finish and closes idle keep-alive connections.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "http/access_log.hpp"
#include "http/beast.hpp"
#include "http/client_stream.hpp"
#include "http/request_handler.hpp"
#include "http/request_record.hpp"
#include "http/server_limits.hpp"
#include "util/ip_range.hpp"

namespace regcache::http {

class ConnectionContexts;
class Session;
class TlsContextProvider;

class Server {
 public:
  Server(asio::io_context& io, RequestHandler& handler, ServerLimits limits);
  ~Server();

  // Serve TLS with the provider's current certificate (before start()).
  void use_tls(TlsContextProvider& tls) { tls_ = &tls; }
  // Connections on these contexts, one each, instead of a strand of the
  // server's own io_context (before start()).
  void use_connection_contexts(ConnectionContexts& contexts) { connection_contexts_ = &contexts; }
  // Peers whose X-Forwarded-* headers are believed (before start()).
  void trust_proxies(IpRangeSet proxies) { trusted_proxies_ = std::move(proxies); }

  // Binds and listens; throws boost::system::system_error (start-up path).
  void listen(const tcp::endpoint& endpoint);
  void start();
  void stop();
  uint16_t port() const;
  size_t connection_count() const;
  bool serves_tls() const { return tls_ != nullptr; }
  // Before start(): where each request's line goes, and who else hears of it.
  void set_access_log(AccessLog log) { access_log_ = std::move(log); }
  void set_observer(RequestObserver* observer) { observer_ = observer; }

 private:
  friend class Session;
  asio::awaitable<void> accept_loop();
  std::unique_ptr<ClientStream> make_stream(tcp::socket socket) const;
  // Counts a new connection from `client` (no limit when empty); false when
  // that client already has its share.
  bool admit(const std::string& client);
  void release(const std::string& client);  // sessions_mutex_ held
  void attach(Session* session);
  void detach(Session* session);

  asio::io_context& io_;
  RequestHandler& handler_;
  ServerLimits limits_;
  TlsContextProvider* tls_ = nullptr;
  ConnectionContexts* connection_contexts_ = nullptr;
  IpRangeSet trusted_proxies_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point last_refusal_log_{};
  AccessLog access_log_;
  RequestObserver* observer_ = nullptr;

  mutable std::mutex sessions_mutex_;
  std::unordered_set<Session*> sessions_;
  std::unordered_map<std::string, uint32_t> per_client_;  // open connections by client key
};

}  // namespace regcache::http
