#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include "http/session.hpp"

namespace regcache::http {

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

void Server::attach(Session* session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.insert(session);
  if (stopping_) session->request_stop();
}

void Server::detach(Session* session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(session);
}

asio::awaitable<void> Server::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket(asio::make_strand(io_));
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      spdlog::warn("http: accept failed: {}", ec.message());
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    if (connection_count() >= limits_.max_connections) {
      spdlog::warn("http: connection limit ({}) reached; refusing a connection",
                   limits_.max_connections);
      socket.close(ec);
      continue;
    }
    auto session = std::make_shared<Session>(std::move(socket), *this);
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
