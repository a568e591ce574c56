#include "http/tls_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace regcache::http {
namespace {
// Four full TLS records per write; the memory a TLS download holds.
constexpr size_t kFileBufferBytes = 64 * 1024;
constexpr std::chrono::seconds kCloseNotifyTimeout{2};
}  // namespace

TlsStream::TlsStream(tcp::socket socket, std::shared_ptr<ssl::context> context)
    : BasicClientStream(beast::tcp_stream(std::move(socket)), *context),
      context_(std::move(context)) {}

asio::awaitable<ErrorCode> TlsStream::handshake(std::chrono::seconds timeout) {
  tcp().expires_after(timeout);
  ErrorCode ec;
  co_await stream_.async_handshake(ssl::stream_base::server,
                                   asio::redirect_error(asio::use_awaitable, ec));
  established_ = !ec;
  co_return ec;
}

asio::awaitable<ErrorCode> TlsStream::write_all(std::span<const char> first,
                                                std::span<const char> second, bool,
                                                std::chrono::seconds send_timeout) {
  // One write: Beast's ssl_stream gathers both into as few TLS records as it can.
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(first.data(), first.size()),
                                                  asio::buffer(second.data(), second.size())};
  tcp().expires_after(send_timeout);
  ErrorCode ec;
  co_await asio::async_write(stream_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<ErrorCode> TlsStream::send_file(int fd, uint64_t offset, uint64_t length,
                                                std::chrono::seconds send_timeout, uint64_t& sent) {
  if (file_buffer_.empty()) file_buffer_.resize(kFileBufferBytes);
  while (length > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(length, file_buffer_.size()));
    const ssize_t n = ::pread(fd, file_buffer_.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) co_return ErrorCode(errno, boost::system::system_category());
    if (n == 0)
      co_return boost::system::errc::make_error_code(
          boost::system::errc::io_error);  // file shorter than promised
    tcp().expires_after(send_timeout);
    ErrorCode ec;
    co_await asio::async_write(stream_, asio::buffer(file_buffer_.data(), static_cast<size_t>(n)),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<uint64_t>(n);
    sent += static_cast<uint64_t>(n);
  }
  co_return ErrorCode{};
}

asio::awaitable<void> TlsStream::close() {
  // close_notify tells the client the response ended where it did; a client
  // that does not answer gets a short bounded wait.
  if (established_) {
    tcp().expires_after(kCloseNotifyTimeout);
    ErrorCode ignored;
    co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  }
  tcp().close();
}

}  // namespace regcache::http
