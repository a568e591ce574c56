#include "http/response_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace regcache::http {

ResponseWriter::ResponseWriter(ClientStream& stream, const ServerLimits& limits, bool head_request,
                               unsigned version, bool keep_alive)
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

asio::awaitable<bool> ResponseWriter::write_all(std::span<const char> first,
                                                std::span<const char> second, bool more) {
  if (auto ec = co_await stream_.write_all(first, second, more, limits_.send_timeout)) {
    aborted_ = true;
    co_return false;
  }
  co_return true;
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
  if (auto ec = co_await stream_.send_file(fd, offset, length, limits_.send_timeout, body_bytes_)) {
    aborted_ = true;
    co_return false;
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
    stream_.try_write_now(head_);
  }
  aborted_ = true;
}

}  // namespace regcache::http
