#include "storage/memory_reader.hpp"

#include <algorithm>

namespace regcache::storage {

Result<size_t, std::error_code> MemoryReader::read_at(uint64_t offset, std::span<char> out) {
  if (offset >= bytes_->size()) return size_t{0};
  const size_t n = std::min<size_t>(out.size(), bytes_->size() - offset);
  std::copy_n(bytes_->data() + offset, n, out.data());
  return n;
}

}  // namespace regcache::storage
