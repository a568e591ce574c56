#include "http/response_writer.hpp"

namespace regcache::http {

ResponseWriter::ResponseWriter(ClientStream& stream, const ServerLimits& limits,
                               bool head_request, unsigned version, bool keep_alive)
    : stream_(stream),
      limits_(limits),
      head_request_(head_request),
      version_(version),
      keep_alive_(keep_alive) {}

asio::awaitable<bool> ResponseWriter::send(bhttp::response<bhttp::string_body> response) {
  status_ = response.result_int();
  response.version(version_);
  response.keep_alive(keep_alive_);
  response.prepare_payload();
  ErrorCode ec;
  stream_.tcp().expires_after(limits_.send_timeout);
  if (head_request_) {
    bhttp::response<bhttp::empty_body> head{response.base()};
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    ec = co_await stream_.write_header(sr);
  } else {
    body_bytes_ += response.body().size();
    ec = co_await stream_.write(response);
  }
  if (ec) aborted_ = true;
  co_return !ec;
}

asio::awaitable<bool> ResponseWriter::send_header(bhttp::response<bhttp::empty_body> response) {
  status_ = response.result_int();
  response.version(version_);
  response.keep_alive(keep_alive_);
  if (!head_request_) stream_.cork(true);
  bhttp::response_serializer<bhttp::empty_body> sr{response};
  stream_.tcp().expires_after(limits_.send_timeout);
  ErrorCode ec = co_await stream_.write_header(sr);
  if (ec) aborted_ = true;
  co_return !ec;
}

asio::awaitable<bool> ResponseWriter::send_file_range(int fd, uint64_t offset, uint64_t length) {
  ErrorCode ec = co_await stream_.send_file(fd, offset, length, limits_.send_timeout, body_bytes_);
  stream_.cork(false);
  if (ec) {
    aborted_ = true;
    co_return false;
  }
  co_return true;
}

void ResponseWriter::abort() { aborted_ = true; }

}  // namespace regcache::http
