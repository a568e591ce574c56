#include "util/file_signature.hpp"

#include <sys/stat.h>

namespace regcache {

FileSignature FileSignature::of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  FileSignature signature;
  signature.exists = true;
  signature.device = static_cast<uint64_t>(st.st_dev);
  signature.inode = static_cast<uint64_t>(st.st_ino);
  signature.size = static_cast<uint64_t>(st.st_size);
  signature.modified_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                          static_cast<int64_t>(st.st_mtim.tv_nsec);
  return signature;
}

}  // namespace regcache
