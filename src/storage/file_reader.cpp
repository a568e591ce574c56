#include "storage/file_reader.hpp"

#include <unistd.h>

#include <cerrno>

namespace regcache::storage {

FileReader::~FileReader() { ::close(fd_); }

Result<size_t, std::error_code> FileReader::read_at(uint64_t offset, std::span<char> out) {
  while (true) {
    ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return fail(std::error_code(errno, std::generic_category()));
  }
}

}  // namespace regcache::storage
