#include "http/plain_stream.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace regcache::http {
namespace {
constexpr uint64_t kSendfileChunk = 4 * 1024 * 1024;

ErrorCode last_error() { return ErrorCode(errno, boost::system::system_category()); }
}  // namespace

ErrorCode PlainStream::ensure_non_blocking() {
  // asio makes the socket non-blocking with its first asynchronous operation;
  // this only costs an ioctl if that has not happened yet.
  auto& sock = socket();
  ErrorCode ec;
  if (!sock.native_non_blocking()) sock.native_non_blocking(true, ec);
  return ec;
}

asio::awaitable<ErrorCode> PlainStream::wait_writable(std::chrono::seconds timeout) {
  auto& sock = socket();
  asio::steady_timer guard(sock.get_executor());
  guard.expires_after(timeout);
  guard.async_wait([&sock](ErrorCode ec) {
    if (!ec) sock.cancel();  // no progress for send_timeout: give up on this client
  });
  ErrorCode ec;
  co_await sock.async_wait(tcp::socket::wait_write, asio::redirect_error(asio::use_awaitable, ec));
  guard.cancel();
  co_return ec;
}

asio::awaitable<ErrorCode> PlainStream::write_all(std::span<const char> first,
                                                  std::span<const char> second, bool more,
                                                  std::chrono::seconds send_timeout) {
  if (auto ec = ensure_non_blocking()) co_return ec;
  const int fd = socket().native_handle();
  while (!first.empty() || !second.empty()) {
    iovec iov[2];
    int count = 0;
    if (!first.empty()) iov[count++] = {const_cast<char*>(first.data()), first.size()};
    if (!second.empty()) iov[count++] = {const_cast<char*>(second.data()), second.size()};
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n >= 0) {
      auto sent = static_cast<size_t>(n);
      auto from_first = std::min(sent, first.size());
      first = first.subspan(from_first);
      second = second.subspan(sent - from_first);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return last_error();
    if (auto ec = co_await wait_writable(send_timeout)) co_return ec;
  }
  co_return ErrorCode{};
}

asio::awaitable<ErrorCode> PlainStream::send_file(int fd, uint64_t offset, uint64_t length,
                                                  std::chrono::seconds send_timeout,
                                                  uint64_t& sent) {
  if (auto ec = ensure_non_blocking()) co_return ec;
  const int sock = socket().native_handle();
  off_t position = static_cast<off_t>(offset);
  uint64_t remaining = length;
  while (remaining > 0) {
    ssize_t n =
        ::sendfile(sock, fd, &position, static_cast<size_t>(std::min(remaining, kSendfileChunk)));
    if (n > 0) {
      remaining -= static_cast<uint64_t>(n);
      sent += static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) {  // the file is shorter than promised
      co_return boost::system::errc::make_error_code(boost::system::errc::io_error);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) co_return last_error();
    if (auto ec = co_await wait_writable(send_timeout)) co_return ec;
  }
  co_return ErrorCode{};
}

void PlainStream::try_write_now(std::span<const char> bytes) {
  (void)::send(socket().native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

asio::awaitable<void> PlainStream::close() {
  ErrorCode ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
  co_return;
}

}  // namespace regcache::http
