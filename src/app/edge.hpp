#pragma once
// Edge: everything between the network and the registry API. The main
// listener (plain HTTP, or TLS with http.tls.*), the optional plain-HTTP
// listener that redirects to https, the access gate (origin protection,
// rate limits, htpasswd, CDN redirect), and reloading the certificate and the
// htpasswd file on SIGHUP and when they change on disk.

#include <memory>
#include <string>

#include "access/access_handler.hpp"
#include "api/response_headers.hpp"
#include "config/config.hpp"
#include "http/https_redirect_handler.hpp"
#include "http/server.hpp"
#include "http/tls_context.hpp"
#include "util/asio.hpp"

namespace regcache::app {

class Edge {
 public:
  // Binds the listeners. Throws config::ConfigError for unusable TLS or
  // htpasswd files and boost::system::system_error when a port cannot be bound.
  Edge(asio::io_context& io, const config::Config& config, http::RequestHandler& api,
       const api::ResponseHeaders& headers);
  ~Edge();

  // Before start(): where each request's access-log line goes, and who else
  // hears of it (metrics). Both listeners.
  void set_access_log(const http::AccessLog& log);
  void set_observer(http::RequestObserver* observer);
  // Before start(): other nodes' follow requests skip the secret, rate limits
  // and htpasswd (see access::AccessHandler).
  void admit_peers(std::function<bool(const http::Request&)> is_peer) {
    if (is_peer) gate_->admit_peers(std::move(is_peer));
  }
  // Before start(): the main listener's connections run on these contexts.
  void use_connection_contexts(http::ConnectionContexts& contexts) {
    main_->use_connection_contexts(contexts);
  }

  // Before start(): request rate budgets shared with the other nodes
  // (regcache.limits.requests_per_second); no-op when it is off.
  void share_rate_limits(access::SharedRateLimit* shared);

  void start();
  // Stops accepting; connections finish their current request.
  void stop();
  size_t connection_count() const;
  uint16_t port() const { return main_->port(); }
  // What is served, for the start-up log line: "TLS (CN=..., valid until ...)".
  std::string describe() const;
  // SIGHUP: re-read the certificate and the htpasswd file now.
  void reload();

 private:
  asio::awaitable<void> watch_files();
  asio::awaitable<void> wait_for_sighup();

  asio::io_context& io_;
  const config::Config& config_;
  asio::thread_pool auth_workers_{1};
  std::unique_ptr<asio::thread_pool> rate_workers_;  // with shared rate limits
  std::unique_ptr<http::TlsContextProvider> tls_;
  std::unique_ptr<access::AccessHandler> gate_;
  std::unique_ptr<http::Server> main_;
  std::unique_ptr<http::HttpsRedirectHandler> redirect_handler_;
  std::unique_ptr<http::Server> redirect_;
  asio::steady_timer watch_timer_;
  asio::signal_set sighup_;
};

}  // namespace regcache::app
