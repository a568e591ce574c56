#pragma once
// CacheLock: one process at a time changes a cache directory. The server holds
// it for as long as it runs; an offline operator command (gc, remove, verify
// --fix on a stopped cache) holds it while it works. A second server on the
// same directory is refused instead of corrupting it. (flock(2) on
// <data>/lock: released by the kernel when the process dies, even by kill -9.)

#include <filesystem>
#include <string>

#include "util/result.hpp"

namespace regcache::lifecycle {

class CacheLock {
 public:
  // Fails (without waiting) when another process holds it; the error says so.
  static Result<CacheLock, std::string> acquire(const std::filesystem::path& data_dir);
  CacheLock(CacheLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  CacheLock& operator=(CacheLock&&) = delete;
  ~CacheLock();

 private:
  explicit CacheLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace regcache::lifecycle
