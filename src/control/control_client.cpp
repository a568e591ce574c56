#include "control/control_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace regcache::control {
namespace {

constexpr size_t kMaxAnswer = 256 * 1024 * 1024;

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<Result<nlohmann::json, std::string>> send_to_server(
    const std::filesystem::path& socket_path, const nlohmann::json& request) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.native().size() >= sizeof(address.sun_path)) return std::nullopt;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  Fd socket{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  if (::connect(socket.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED) return std::nullopt;
    return fail("cannot reach the server on " + socket_path.string() + ": " + std::strerror(errno));
  }
  std::string line = request.dump() + "\n";
  for (size_t sent = 0; sent < line.size();) {
    ssize_t n = ::send(socket.fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(std::string("sending the command failed: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  // No timeout: gc or verify on a large cache may take minutes.
  std::string answer;
  char buffer[65536];
  while (answer.size() < kMaxAnswer) {
    ssize_t n = ::recv(socket.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("reading the answer failed: ") + std::strerror(errno));
    if (n == 0) break;
    answer.append(buffer, static_cast<size_t>(n));
    if (answer.back() == '\n') break;
  }
  auto json = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return fail(std::string("the server's answer is not JSON"));
  return json;
}

}  // namespace regcache::control
