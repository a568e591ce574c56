#pragma once
// LoopbackServer: an http::Server on 127.0.0.1 (port chosen by the OS) with
// its io_context on a background thread, for tests that talk real HTTP to it.
// TestClient: a blocking HTTP/1.1 client, plain or TLS, that keeps its
// connection open across requests and never waits longer than a few seconds.

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "http/server.hpp"

namespace regcache::test_support {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

class LoopbackServer {
 public:
  LoopbackServer(http::RequestHandler& handler, http::ServerLimits limits = {},
                 const std::function<void(http::Server&)>& setup = {})
      : server_(io_, handler, limits) {
    if (setup) setup(server_);
    server_.listen(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackServer() {
    server_.stop();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server_.connection_count() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    work_.reset();
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return server_.port(); }
  http::Server& server() { return server_; }

 private:
  net::io_context io_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      net::make_work_guard(io_)};
  http::Server server_;
  std::thread thread_;
};

struct Reply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; last value wins
  std::string body;
  bool keep_alive = false;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class TestClient {
 public:
  // Plain HTTP from `source` (any 127.x address works on Linux loopback).
  explicit TestClient(uint16_t port, const std::string& source = "127.0.0.1")
      : socket_(std::make_unique<tcp::socket>(io_)) {
    socket_->open(tcp::v4());
    socket_->bind(tcp::endpoint(net::ip::make_address(source), 0));
    socket_->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    set_timeouts(socket_->native_handle());
  }
  // TLS, trusting only `ca_file`.
  TestClient(uint16_t port, const std::string& ca_file, bool)
      : ssl_context_(std::make_unique<net::ssl::context>(net::ssl::context::tls_client)) {
    ssl_context_->load_verify_file(ca_file);
    ssl_context_->set_verify_mode(net::ssl::verify_peer);
    tls_ = std::make_unique<net::ssl::stream<tcp::socket>>(io_, *ssl_context_);
    tls_->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    set_timeouts(tls_->next_layer().native_handle());
    SSL_set_tlsext_host_name(tls_->native_handle(), "localhost");
    tls_->set_verify_callback(net::ssl::host_name_verification("localhost"));
    tls_->handshake(net::ssl::stream_base::client);
  }

  // The serial number of the certificate the server presented (TLS only).
  long peer_serial() const {
    X509* cert = SSL_get1_peer_certificate(tls_->native_handle());
    const long serial = ASN1_INTEGER_get(X509_get_serialNumber(cert));
    X509_free(cert);
    return serial;
  }

  Reply get(const std::string& target, std::map<std::string, std::string> headers = {},
            bhttp::verb method = bhttp::verb::get) {
    bhttp::request<bhttp::empty_body> request{method, target, 11};
    request.set(bhttp::field::host, "localhost");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (tls_) return exchange(*tls_, request, method == bhttp::verb::head);
    return exchange(*socket_, request, method == bhttp::verb::head);
  }

  // Writes raw bytes (no framing added).
  void send_raw(const std::string& bytes) {
    if (tls_) {
      net::write(*tls_, net::buffer(bytes));
    } else {
      net::write(*socket_, net::buffer(bytes));
    }
  }
  // Everything the server sends until it closes the connection (or a timeout).
  std::string read_until_closed() {
    std::string out;
    char chunk[4096];
    boost::system::error_code ec;
    while (!ec) {
      const size_t n = tls_ ? tls_->read_some(net::buffer(chunk), ec)
                            : socket_->read_some(net::buffer(chunk), ec);
      out.append(chunk, n);
    }
    closed_ = ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
              ec == net::error::connection_reset;
    return out;
  }
  // True when the last read_until_closed ended because the server closed.
  bool closed_by_server() const { return closed_; }

 private:
  static void set_timeouts(int fd) {
    timeval tv{10, 0};  // a broken server fails the test instead of hanging it
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  template <class Stream>
  Reply exchange(Stream& stream, bhttp::request<bhttp::empty_body>& request, bool head) {
    bhttp::write(stream, request);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    bhttp::read(stream, buffer_, parser);
    auto& response = parser.get();
    Reply reply;
    reply.status = response.result_int();
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(field.value());
    }
    reply.body = std::move(response.body());
    reply.keep_alive = response.keep_alive();
    return reply;
  }

  net::io_context io_;
  std::unique_ptr<tcp::socket> socket_;
  std::unique_ptr<net::ssl::context> ssl_context_;
  std::unique_ptr<net::ssl::stream<tcp::socket>> tls_;
  boost::beast::flat_buffer buffer_;
  bool closed_ = false;
};

}  // namespace regcache::test_support
