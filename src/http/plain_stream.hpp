#pragma once
// PlainStream: a client connection over plain TCP. Writes go out with
// non-blocking send(2) first and wait for the socket only when it is full;
// file content goes out with sendfile(2) straight from the page cache.

#include "http/basic_client_stream.hpp"

namespace regcache::http {

class PlainStream final : public BasicClientStream<beast::tcp_stream> {
 public:
  explicit PlainStream(tcp::socket socket) : BasicClientStream(std::move(socket)) {}

  bool secure() const override { return false; }
  asio::awaitable<ErrorCode> handshake(std::chrono::seconds) override { co_return ErrorCode{}; }
  asio::awaitable<ErrorCode> write_all(std::span<const char> first, std::span<const char> second,
                                       bool more, std::chrono::seconds send_timeout) override;
  asio::awaitable<ErrorCode> send_file(int fd, uint64_t offset, uint64_t length,
                                       std::chrono::seconds send_timeout, uint64_t& sent) override;
  void try_write_now(std::span<const char> bytes) override;
  asio::awaitable<void> close() override;

 private:
  ErrorCode ensure_non_blocking();
  asio::awaitable<ErrorCode> wait_writable(std::chrono::seconds timeout);
};

}  // namespace regcache::http
