#include "lifecycle/cache_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace regcache::lifecycle {

Result<CacheLock, std::string> CacheLock::acquire(const std::filesystem::path& data_dir) {
  auto path = data_dir / "lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return fail("another regcache process is using the cache in " + data_dir.string());
    }
    return fail("cannot lock " + path.string() + ": " + std::strerror(error));
  }
  return CacheLock(fd);
}

CacheLock::~CacheLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace regcache::lifecycle
