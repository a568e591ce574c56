#include "fake_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace regcache::upstream::testing {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::optional<std::string> ReceivedRequest::header(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [field, value] : headers) {
    if (field == key) return value;
  }
  return std::nullopt;
}

FakeHttpServer::FakeHttpServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeHttpServer::~FakeHttpServer() {
  stopping_ = true;
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mutex_);
    connections.swap(connections_);
  }
  for (auto& thread : connections) thread.join();
  ::close(listen_fd_);
}

void FakeHttpServer::expect(std::string method, std::string target, Reply reply) {
  std::lock_guard lock(mutex_);
  expectations_.push_back({std::move(method), std::move(target), std::move(reply), false});
}

std::vector<ReceivedRequest> FakeHttpServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::vector<std::string> FakeHttpServer::unexpected() const {
  std::lock_guard lock(mutex_);
  return unexpected_;
}

size_t FakeHttpServer::pending() const {
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const auto& e : expectations_) count += e.used ? 0 : 1;
  return count;
}

void FakeHttpServer::accept_loop() {
  int next_connection = 0;
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(kPollInterval.count())) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int connection = ++next_connection;
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, fd, connection] {
      serve(fd, connection);
      ::close(fd);
    });
  }
}

std::optional<Reply> FakeHttpServer::match(ReceivedRequest request) {
  std::lock_guard lock(mutex_);
  std::optional<Reply> reply;
  for (auto& e : expectations_) {
    if (!e.used && e.method == request.method && e.target == request.target) {
      e.used = true;
      reply = e.reply;
      break;
    }
  }
  if (!reply) unexpected_.push_back(request.method + " " + request.target);
  received_.push_back(std::move(request));
  return reply;
}

bool FakeHttpServer::send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void FakeHttpServer::wait_for_close(int fd) {
  char buffer[4096];
  while (!stopping_) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(kPollInterval.count()));
    if (ready < 0) return;
    if (ready == 0) continue;
    if (::recv(fd, buffer, sizeof buffer, 0) <= 0) return;
  }
}

void FakeHttpServer::serve(int fd, int connection) {
  std::string buffer;
  char chunk[4096];
  while (!stopping_) {
    // Read one request head.
    size_t end = buffer.find("\r\n\r\n");
    while (end == std::string::npos) {
      if (stopping_ || buffer.size() > 64 * 1024) return;
      pollfd pfd{fd, POLLIN, 0};
      int ready = ::poll(&pfd, 1, static_cast<int>(kPollInterval.count()));
      if (ready < 0) return;
      if (ready == 0) continue;
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
      end = buffer.find("\r\n\r\n");
    }
    std::string head = buffer.substr(0, end);
    buffer.erase(0, end + 4);

    ReceivedRequest request;
    request.connection = connection;
    size_t line_end = head.find("\r\n");
    std::string_view request_line(head.data(),
                                  line_end == std::string::npos ? head.size() : line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 <= sp1) return;
    request.method = std::string(request_line.substr(0, sp1));
    request.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string_view line(head.data() + pos, next - pos);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        request.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                     std::string(trim(line.substr(colon + 1))));
      }
      pos = next + 2;
    }
    const bool is_head = request.method == "HEAD";

    std::optional<Reply> matched = match(std::move(request));
    Reply reply = matched ? std::move(*matched) : Reply::with(400, "unexpected request\n");
    if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);

    std::string out =
        "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    if (!reply.omit_content_length) {
      out += "Content-Length: " + std::to_string(reply.content_length.value_or(reply.body.size())) +
             "\r\n";
    } else {
      out += "Connection: close\r\n";
    }
    out += "\r\n";
    std::string_view body = is_head ? std::string_view() : std::string_view(reply.body);
    if (reply.cut_after) body = body.substr(0, *reply.cut_after);
    out += body;
    if (!send_all(fd, out)) return;
    if (reply.cut_after && reply.stall) {
      wait_for_close(fd);
      return;
    }
    if (reply.cut_after || reply.omit_content_length) return;  // close the connection
  }
}

}  // namespace regcache::upstream::testing
