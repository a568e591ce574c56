#include "http/response_writer.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

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

template <class Body>
void ResponseWriter::add_identity(bhttp::response<Body>& response) const {
  if (!request_id_.empty()) response.set("X-Request-ID", request_id_);
  if (note_ != nullptr && std::string_view(note_->cache) != "none") {
    response.set("X-Cache", note_->cache);
  }
}

void ResponseWriter::ensure_non_blocking() {
  // asio makes the socket non-blocking with its first asynchronous operation;
  // this only costs an ioctl if that has not happened yet.
  auto& socket = stream_.socket();
  if (!socket.native_non_blocking()) socket.native_non_blocking(true);
}

// Serializes the status line and fields into head_ (what Beast's serializer
// writes, without its buffer-sequence machinery, which cost more than the rest
// of a small request).
template <class Body>
void ResponseWriter::start_head(bhttp::response<Body>& response) {
  add_identity(response);
  status_ = response.result_int();
  head_.clear();
  head_.reserve(512);
  head_ += "HTTP/";
  head_ += static_cast<char>('0' + version_ / 10 % 10);
  head_ += '.';
  head_ += static_cast<char>('0' + version_ % 10);
  head_ += ' ';
  char code[8];
  auto end = std::to_chars(code, code + sizeof code, status_).ptr;
  head_.append(code, end);
  head_ += ' ';
  head_.append(response.reason());
  head_ += "\r\n";
  for (const auto& field : response.base()) {
    head_.append(field.name_string());
    head_ += ": ";
    head_.append(field.value());
    head_ += "\r\n";
  }
  head_ += "\r\n";
}

asio::awaitable<bool> ResponseWriter::send(bhttp::response<bhttp::string_body> response) {
  response.version(version_);
  response.keep_alive(keep_alive_);
  response.prepare_payload();
  start_head(response);
  if (head_request_) co_return co_await write_all(head_, {}, false);
  body_bytes_ += response.body().size();
  co_return co_await write_all(head_, response.body(), false);
}

asio::awaitable<bool> ResponseWriter::send_header(bhttp::response<bhttp::empty_body> response) {
  response.version(version_);
  response.keep_alive(keep_alive_);
  start_head(response);
  uint64_t length = 0;
  auto value = response[bhttp::field::content_length];
  std::from_chars(value.data(), value.data() + value.size(), length);
  if (head_request_ || length == 0) co_return co_await write_all(head_, {}, false);
  head_pending_ = true;  // leaves with the first bytes of the body
  co_return true;
}

asio::awaitable<bool> ResponseWriter::write_all(std::span<const char> first,
                                                std::span<const char> second, bool more) {
  ensure_non_blocking();
  const int socket = stream_.socket().native_handle();
  while (!first.empty() || !second.empty()) {
    iovec iov[2];
    int count = 0;
    if (!first.empty()) iov[count++] = {const_cast<char*>(first.data()), first.size()};
    if (!second.empty()) iov[count++] = {const_cast<char*>(second.data()), second.size()};
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(socket, &message, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n >= 0) {
      auto sent = static_cast<size_t>(n);
      auto from_first = std::min(sent, first.size());
      first = first.subspan(from_first);
      second = second.subspan(sent - from_first);
      continue;
    }
    if (errno == EINTR) continue;
    if ((errno != EAGAIN && errno != EWOULDBLOCK) || !co_await wait_writable()) {
      aborted_ = true;
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<bool> ResponseWriter::wait_writable() {
  auto& socket = stream_.socket();
  asio::steady_timer guard(socket.get_executor());
  guard.expires_after(limits_.send_timeout);
  guard.async_wait([&socket](boost::system::error_code ec) {
    if (!ec) socket.cancel();  // no progress for send_timeout: give up on this client
  });
  boost::system::error_code ec;
  co_await socket.async_wait(tcp::socket::wait_write,
                             asio::redirect_error(asio::use_awaitable, ec));
  guard.cancel();
  co_return !ec;
}

asio::awaitable<bool> ResponseWriter::send_file_range(int fd, uint64_t offset, uint64_t length) {
  if (head_pending_) {
    head_pending_ = false;
    if (length <= kInlineBodyMax) {
      // Small body: read it behind the head and send both at once.
      const size_t at = head_.size();
      head_.resize(at + length);
      size_t got = 0;
      while (got < length) {
        ssize_t n =
            ::pread(fd, head_.data() + at + got, length - got, static_cast<off_t>(offset + got));
        if (n > 0) {
          got += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else {  // shorter than promised, or unreadable: the head alone, then break off
          head_.resize(at);
          co_await write_all(head_, {}, false);
          aborted_ = true;
          co_return false;
        }
      }
      if (!co_await write_all(head_, {}, false)) co_return false;
      body_bytes_ += length;
      co_return true;
    }
    if (!co_await write_all(head_, {}, /*more=*/true)) co_return false;
  }

  ensure_non_blocking();
  const int socket = stream_.socket().native_handle();
  off_t position = static_cast<off_t>(offset);
  uint64_t remaining = length;
  while (remaining > 0) {
    ssize_t n =
        ::sendfile(socket, fd, &position, static_cast<size_t>(std::min(remaining, kSendfileChunk)));
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
    if (errno != EAGAIN || !co_await wait_writable()) {
      aborted_ = true;
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<bool> ResponseWriter::send_body_bytes(std::string_view bytes) {
  const std::span<const char> body(bytes.data(), bytes.size());
  if (head_pending_) {
    head_pending_ = false;
    if (!co_await write_all(head_, body, false)) co_return false;
  } else if (!co_await write_all(body, {}, false)) {
    co_return false;
  }
  body_bytes_ += bytes.size();
  co_return true;
}

void ResponseWriter::abort() {
  if (head_pending_) {
    head_pending_ = false;
    // Best effort, never waits: the client sees the head and a truncated body.
    (void)::send(stream_.socket().native_handle(), head_.data(), head_.size(),
                 MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  aborted_ = true;
}

}  // namespace regcache::http
