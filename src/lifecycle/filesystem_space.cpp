#include "lifecycle/filesystem_space.hpp"

#include <sys/statvfs.h>

#include <cerrno>

namespace regcache::lifecycle {

Result<FilesystemSpace, std::error_code> filesystem_space(const std::filesystem::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0)
    return fail(std::error_code(errno, std::generic_category()));
  FilesystemSpace out;
  out.total = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  out.free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  return out;
}

}  // namespace regcache::lifecycle
