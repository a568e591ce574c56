#include "http/response_writer.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <cerrno>

namespace regcache::http {
namespace {
constexpr uint64_t kSendfileChunk = 4 * 1024 * 1024;
}

ResponseWriter::ResponseWriter(beast::tcp_stream& stream, const ServerLimits& limits,
                               bool head_request, unsigned version, bool keep_alive)
    : stream_(stream),
      limits_(limits),
      head_request_(head_request),
      version_(version),
      keep_alive_(keep_alive) {}

void ResponseWriter::set_cork(bool on) {
  if (corked_ == on) return;
  int value = on ? 1 : 0;
  ::setsockopt(stream_.socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  corked_ = on;
}

asio::awaitable<bool> ResponseWriter::send(bhttp::response<bhttp::string_body> response) {
  status_ = response.result_int();
  response.version(version_);
  response.keep_alive(keep_alive_);
  response.prepare_payload();
  boost::system::error_code ec;
  stream_.expires_after(limits_.send_timeout);
  if (head_request_) {
    bhttp::response<bhttp::empty_body> head{response.base()};
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    co_await bhttp::async_write_header(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    body_bytes_ += response.body().size();
    co_await bhttp::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) aborted_ = true;
  co_return !ec;
}

asio::awaitable<bool> ResponseWriter::send_header(bhttp::response<bhttp::empty_body> response) {
  status_ = response.result_int();
  response.version(version_);
  response.keep_alive(keep_alive_);
  if (!head_request_) set_cork(true);
  bhttp::response_serializer<bhttp::empty_body> sr{response};
  boost::system::error_code ec;
  stream_.expires_after(limits_.send_timeout);
  co_await bhttp::async_write_header(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) aborted_ = true;
  co_return !ec;
}

asio::awaitable<bool> ResponseWriter::wait_writable() {
  auto& socket = stream_.socket();
  asio::steady_timer guard(socket.get_executor());
  guard.expires_after(limits_.send_timeout);
  guard.async_wait([&socket](boost::system::error_code ec) {
    if (!ec) socket.cancel();  // no progress for send_timeout: give up on this client
  });
  boost::system::error_code ec;
  co_await socket.async_wait(tcp::socket::wait_write, asio::redirect_error(asio::use_awaitable, ec));
  guard.cancel();
  co_return !ec;
}

asio::awaitable<bool> ResponseWriter::send_file_range(int fd, uint64_t offset, uint64_t length) {
  auto& socket = stream_.socket();
  socket.native_non_blocking(true);
  off_t position = static_cast<off_t>(offset);
  uint64_t remaining = length;
  while (remaining > 0) {
    ssize_t n = ::sendfile(socket.native_handle(), fd, &position,
                           static_cast<size_t>(std::min(remaining, kSendfileChunk)));
    if (n > 0) {
      remaining -= static_cast<uint64_t>(n);
      body_bytes_ += static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) {  // the file is shorter than promised
      aborted_ = true;
      co_return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      aborted_ = true;
      co_return false;
    }
    set_cork(false);  // flush what is queued while we wait for the client
    if (!co_await wait_writable()) {
      aborted_ = true;
      co_return false;
    }
  }
  set_cork(false);
  co_return true;
}

asio::awaitable<bool> ResponseWriter::send_body_bytes(std::string_view bytes) {
  boost::system::error_code ec;
  stream_.expires_after(limits_.send_timeout);
  co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  set_cork(false);
  if (ec) {
    aborted_ = true;
    co_return false;
  }
  body_bytes_ += bytes.size();
  co_return true;
}

void ResponseWriter::abort() { aborted_ = true; }

}  // namespace regcache::http
