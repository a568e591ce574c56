#pragma once
// The ClientStream reads that are the same for every stream type: Beast's
// HTTP parsing over `Stream` (beast::tcp_stream or its TLS wrapper).

#include <algorithm>

#include "http/client_stream.hpp"

namespace regcache::http {

template <class Stream>
class BasicClientStream : public ClientStream {
 public:
  template <class... Args>
  explicit BasicClientStream(Args&&... args) : stream_(std::forward<Args>(args)...) {}

  beast::tcp_stream& tcp() override { return beast::get_lowest_layer(stream_); }

  asio::awaitable<ErrorCode> read_some(beast::flat_buffer& buffer) override {
    const size_t room = buffer.max_size() - buffer.size();
    if (room == 0) co_return make_error_code(bhttp::error::buffer_overflow);
    ErrorCode ec;
    const size_t n = co_await stream_.async_read_some(
        buffer.prepare(std::min(kReadChunk, room)), asio::redirect_error(asio::use_awaitable, ec));
    buffer.commit(n);
    co_return ec;
  }

  asio::awaitable<ErrorCode> read_header(beast::flat_buffer& buffer,
                                         RequestParser& parser) override {
    ErrorCode ec;
    co_await bhttp::async_read_header(stream_, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }

 protected:
  static constexpr size_t kReadChunk = 4096;
  Stream stream_;
};

}  // namespace regcache::http
