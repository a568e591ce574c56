#pragma once
// Where a serving regcache listens for operator commands: a Unix socket in the
// cache directory (<root>/regcache/v1/control.sock). Only users who may write the
// cache directory can connect: the same people who could delete its files.
// The protocol is one JSON request line in, one JSON answer line out.

#include <filesystem>

namespace regcache::control {

inline std::filesystem::path control_socket_path(const std::filesystem::path& data_dir) {
  return data_dir / "control.sock";
}

}  // namespace regcache::control
