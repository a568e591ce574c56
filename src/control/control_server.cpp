#include "control/control_server.hpp"

#include <spdlog/spdlog.h>

#include "util/offload.hpp"

namespace regcache::control {
namespace {

constexpr size_t kMaxRequest = 64 * 1024;
constexpr auto kReadTimeout = std::chrono::seconds(10);

}  // namespace

ControlServer::ControlServer(asio::io_context& io, CacheAccess access)
    : io_(io), access_(access), acceptor_(io) {}

ControlServer::~ControlServer() {
  worker_.join();
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

bool ControlServer::listen(const std::filesystem::path& socket_path) {
  if (socket_path.native().size() >= 108) {
    spdlog::warn(
        "control: socket path {} is too long for a Unix socket; operator commands "
        "cannot reach this server (use a shorter storage root)",
        socket_path.string());
    return false;
  }
  std::error_code removed;
  std::filesystem::remove(socket_path, removed);
  boost::system::error_code ec;
  asio::local::stream_protocol::endpoint endpoint(socket_path.string());
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) {
    spdlog::warn("control: cannot listen on {}: {}", socket_path.string(), ec.message());
    return false;
  }
  path_ = socket_path;
  asio::co_spawn(io_, accept_loop(), asio::detached);
  return true;
}

void ControlServer::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> ControlServer::accept_loop() {
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> ControlServer::serve(asio::local::stream_protocol::socket socket) {
  std::string line;
  asio::steady_timer deadline(socket.get_executor());
  deadline.expires_after(kReadTimeout);
  deadline.async_wait([&socket](boost::system::error_code ec) {
    if (!ec) socket.cancel();
  });
  boost::system::error_code ec;
  co_await asio::async_read_until(socket, asio::dynamic_buffer(line, kMaxRequest), '\n',
                                  asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
  nlohmann::json answer;
  if (ec) {
    answer = {{"ok", false}, {"error", "incomplete request: " + ec.message()}};
  } else {
    auto request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
      answer = {{"ok", false}, {"error", "the request is not JSON"}};
    } else {
      spdlog::info("control: {}", request.value("command", std::string("?")));
      // By reference: GCC 12 destroys a by-value capture inside co_await twice.
      auto run = [&] { return execute(request, access_); };
      answer = co_await offload(worker_, run);
    }
  }
  std::string reply = answer.dump() + "\n";
  co_await asio::async_write(socket, asio::buffer(reply),
                             asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace regcache::control
