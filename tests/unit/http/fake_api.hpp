#pragma once
// FakeApi: a RequestHandler for the HTTP layer's tests.
//   /file  the content of `file` (head, then the body through the stream's
//          file path: sendfile on plain TCP, the bounded buffer under TLS)
//   /echo  "client=<address> scheme=<scheme> host=<host>"
//   else   404

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "http/request_handler.hpp"

namespace regcache::http::testing {

class FakeApi final : public RequestHandler {
 public:
  std::filesystem::path file;

  asio::awaitable<void> handle(const RequestContext& context, ResponseWriter& writer) override {
    const std::string_view target = context.request.target();
    if (target == "/file") {
      const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      const auto size = std::filesystem::file_size(file);
      bhttp::response<bhttp::empty_body> head{bhttp::status::ok, 11};
      head.content_length(size);
      if (co_await writer.send_header(std::move(head)) && !writer.head_request()) {
        co_await writer.send_file_range(fd, 0, size);
      }
      ::close(fd);
      co_return;
    }
    if (target == "/echo") {
      bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
      response.body() = "client=" + context.client_address +
                        " scheme=" + std::string(context.scheme) +
                        " host=" + std::string(context.host);
      co_await writer.send(std::move(response));
      co_return;
    }
    co_await writer.send(reject(404, "not found"));
  }

  bhttp::response<bhttp::string_body> reject(unsigned status, std::string message) override {
    bhttp::response<bhttp::string_body> response;
    response.result(status);
    response.body() = std::move(message);
    return response;
  }
};

}  // namespace regcache::http::testing
