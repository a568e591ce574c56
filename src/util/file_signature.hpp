#pragma once
// FileSignature: device, inode, size and modification time of a file (after
// symlinks), to notice cheaply that a certificate or htpasswd file was
// replaced, whether rewritten in place, renamed over, or re-pointed by a
// symlink swap (Kubernetes secrets, certbot's live/ directory).

#include <cstdint>
#include <filesystem>

namespace regcache {

struct FileSignature {
  bool exists = false;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t modified_ns = 0;

  static FileSignature of(const std::filesystem::path& file);
  bool operator==(const FileSignature&) const = default;
};

}  // namespace regcache
