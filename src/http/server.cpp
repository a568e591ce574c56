#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include "http/connection_contexts.hpp"
#include "http/plain_stream.hpp"
#include "http/session.hpp"
#include "http/tls_context.hpp"
#include "http/tls_stream.hpp"

namespace regcache::http {
namespace {
// A connection flood must not become a log flood.
constexpr auto kRefusalLogInterval = std::chrono::seconds(10);
}  // namespace

Server::Server(asio::io_context& io, RequestHandler& handler, ServerLimits limits)
    : io_(io), handler_(handler), limits_(limits), acceptor_(asio::make_strand(io)) {}

Server::~Server() = default;

void Server::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (endpoint.address().is_v6()) {
    // "[::]:port" serves IPv4 too, like registry:2's ":port".
    acceptor_.set_option(asio::ip::v6_only(false));
  }
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

uint16_t Server::port() const { return acceptor_.local_endpoint().port(); }

size_t Server::connection_count() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

void Server::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void Server::stop() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(sessions_mutex_);
  for (Session* session : sessions_) session->request_stop();
}

bool Server::admit(const std::string& client) {
  if (client.empty()) return true;
  std::lock_guard lock(sessions_mutex_);
  uint32_t& open = per_client_[client];
  if (open >= limits_.max_connections_per_client) {
    if (open == 0) per_client_.erase(client);
    return false;
  }
  ++open;
  return true;
}

void Server::attach(Session* session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.insert(session);
  if (stopping_) session->request_stop();
}

void Server::release(const std::string& client) {
  if (client.empty()) return;
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

void Server::detach(Session* session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(session);
  release(session->connection_key());
}

std::unique_ptr<ClientStream> Server::make_stream(tcp::socket socket) const {
  if (tls_ != nullptr) return std::make_unique<TlsStream>(std::move(socket), tls_->current());
  return std::make_unique<PlainStream>(std::move(socket));
}

asio::awaitable<void> Server::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket(connection_contexts_ != nullptr ? connection_contexts_->next()
                                                       : asio::any_io_executor(asio::make_strand(io_)));
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      spdlog::warn("http: accept failed: {}", ec.message());
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    const auto remote = socket.remote_endpoint(ec);
    if (ec) continue;  // already gone
    const auto peer = unmapped(remote.address());
    const char* refusal = nullptr;
    std::string key;
    if (limits_.max_connections_per_client > 0 && !trusted_proxies_.contains(peer)) {
      key = client_key(peer.to_string());
    }
    if (connection_count() >= limits_.max_connections) {
      refusal = "connection limit (regcache.max_connections) reached";
    } else if (!admit(key)) {
      refusal = "per-client connection limit (regcache.limits.connections_per_client) reached";
    }
    if (refusal != nullptr) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log_ >= kRefusalLogInterval) {
        last_refusal_log_ = now;
        spdlog::warn("http: {}; refusing connections (e.g. from {})", refusal, peer.to_string());
      }
      socket.close(ec);
      continue;
    }
    std::unique_ptr<ClientStream> stream;
    try {
      stream = make_stream(std::move(socket));
    } catch (const std::exception& e) {  // e.g. OpenSSL out of memory
      spdlog::error("http: cannot set up a connection from {}: {}", peer.to_string(), e.what());
      std::lock_guard lock(sessions_mutex_);
      release(key);
      continue;
    }
    auto session = std::make_shared<Session>(std::move(stream), *this, peer, std::move(key));
    auto* raw = session.get();
    // The completion handler owns the session until its coroutine ends.
    asio::co_spawn(raw->executor(), raw->run(), [session](std::exception_ptr error) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          spdlog::error("http: connection ended by an unexpected error: {}", e.what());
        }
      }
    });
  }
}

}  // namespace regcache::http
