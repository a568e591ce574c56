#pragma once
// Where a serving regcache listens for operator commands: a Unix socket in the
// cache directory (<root>/regcache/v1/admin.sock). Only users who may write the
// cache directory can connect: the same people who could delete its files.
// The protocol is one JSON request line in, one JSON answer line out.

#include <filesystem>

namespace regcache::admin {

inline std::filesystem::path admin_socket_path(const std::filesystem::path& data_dir) {
  return data_dir / "admin.sock";
}

}  // namespace regcache::admin
