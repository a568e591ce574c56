#pragma once
// ControlServer: accepts operator commands on the control socket of a serving
// cache (see control_socket.hpp and control_commands.hpp). Commands run one at a
// time on their own thread, never on the I/O threads.

#include <filesystem>
#include <memory>

#include "control/control_commands.hpp"
#include "util/asio.hpp"

namespace regcache::control {

class ControlServer {
 public:
  ControlServer(asio::io_context& io, CacheAccess access);
  ~ControlServer();

  // Binds the socket (replacing one left by a crash: the caller holds the
  // cache lock). Returns false (and logs) when it cannot; serving goes on.
  bool listen(const std::filesystem::path& socket_path);
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::local::stream_protocol::socket socket);

  asio::io_context& io_;
  CacheAccess access_;
  asio::local::stream_protocol::acceptor acceptor_;
  asio::thread_pool worker_{1};
  std::filesystem::path path_;
};

}  // namespace regcache::control
