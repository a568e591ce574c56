#pragma once
// TlsStream: a client connection over TLS (OpenSSL through Beast's ssl_stream).
// It keeps the TLS context it was created with alive, so a certificate reload
// never affects connections already open. File content is read with pread(2)
// into one bounded buffer per connection and written through TLS.

#include <boost/beast/ssl.hpp>
#include <memory>
#include <vector>

#include "http/basic_client_stream.hpp"

namespace regcache::http {

namespace ssl = boost::asio::ssl;

class TlsStream final : public BasicClientStream<beast::ssl_stream<beast::tcp_stream>> {
 public:
  TlsStream(tcp::socket socket, std::shared_ptr<ssl::context> context);

  bool secure() const override { return true; }
  asio::awaitable<ErrorCode> handshake(std::chrono::seconds timeout) override;
  asio::awaitable<ErrorCode> write_all(std::span<const char> first, std::span<const char> second,
                                       bool more, std::chrono::seconds send_timeout) override;
  asio::awaitable<ErrorCode> send_file(int fd, uint64_t offset, uint64_t length,
                                       std::chrono::seconds send_timeout, uint64_t& sent) override;
  void try_write_now(std::span<const char>) override {}
  asio::awaitable<void> close() override;

 private:
  std::shared_ptr<ssl::context> context_;
  std::vector<char> file_buffer_;  // allocated on the first file sent
  bool established_ = false;       // handshake done: close with close_notify
};

}  // namespace regcache::http
