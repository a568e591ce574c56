#include "http/plain_stream.hpp"

#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>

namespace regcache::http {
namespace {
constexpr uint64_t kSendfileChunk = 4 * 1024 * 1024;
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

asio::awaitable<ErrorCode> PlainStream::send_file(int fd, uint64_t offset, uint64_t length,
                                                  std::chrono::seconds send_timeout,
                                                  uint64_t& sent) {
  auto& sock = socket();
  sock.native_non_blocking(true);
  off_t position = static_cast<off_t>(offset);
  uint64_t remaining = length;
  while (remaining > 0) {
    ssize_t n = ::sendfile(sock.native_handle(), fd, &position,
                           static_cast<size_t>(std::min(remaining, kSendfileChunk)));
    if (n > 0) {
      remaining -= static_cast<uint64_t>(n);
      sent += static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) co_return boost::system::errc::make_error_code(boost::system::errc::io_error);  // file shorter than promised
    if (errno == EINTR) continue;
    if (errno != EAGAIN) co_return ErrorCode(errno, boost::system::system_category());
    cork(false);  // flush what is queued while we wait for the client
    if (auto ec = co_await wait_writable(send_timeout)) co_return ec;
  }
  co_return ErrorCode{};
}

asio::awaitable<void> PlainStream::close() {
  ErrorCode ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
  co_return;
}

}  // namespace regcache::http
