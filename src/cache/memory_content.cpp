#include "cache/memory_content.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace regcache::cache {
namespace {

class MemoryReader final : public storage::ContentReader {
 public:
  MemoryReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~MemoryReader() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  int native_handle() const override { return fd_; }
  Result<size_t, std::error_code> read_at(uint64_t offset, std::span<char> out) override {
    while (true) {
      ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return fail(std::error_code(errno, std::generic_category()));
    }
  }

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace

Result<std::unique_ptr<storage::ContentReader>, std::error_code> memory_content(
    std::string_view bytes) {
  int fd = ::memfd_create("regcache-content", MFD_CLOEXEC);
  if (fd < 0) return fail(std::error_code(errno, std::generic_category()));
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::error_code ec(n < 0 ? errno : EIO, std::generic_category());
      ::close(fd);
      return fail(ec);
    }
    written += static_cast<size_t>(n);
  }
  return std::unique_ptr<storage::ContentReader>(std::make_unique<MemoryReader>(fd, bytes.size()));
}

}  // namespace regcache::cache
