#pragma once
// The HTTP Range header for blob GETs (RFC 9110 §14): one byte range.
// Multiple ranges are not supported by registries; such a header is ignored
// and the whole blob is sent, as the RFC allows.

#include <cstdint>
#include <string_view>

namespace regcache::registry {

struct ByteRange {
  enum class Kind { whole, partial, unsatisfiable } kind = Kind::whole;
  uint64_t first = 0;  // inclusive
  uint64_t last = 0;   // inclusive
  uint64_t length() const { return last - first + 1; }
};

// `header` is the Range value (may be empty); `size` the representation's size.
ByteRange parse_byte_range(std::string_view header, uint64_t size);

}  // namespace regcache::registry
