// Fuzz target: digests, repository names, tags and byte ranges, with the
// properties the cache relies on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/byte_range.hpp"
#include "registry/digest.hpp"
#include "registry/reference.hpp"

using namespace regcache::registry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto digest = Digest::parse(text)) {
    if (digest->str() != text || digest->hex().size() != 64) __builtin_trap();
    if (!looks_like_digest(text)) __builtin_trap();
    if (digest->hex().find_first_not_of("0123456789abcdef") != std::string::npos) __builtin_trap();
  }
  if (is_valid_repository_name(text) &&
      (text.size() > 255 || text.find("..") != std::string_view::npos || text.front() == '/')) {
    __builtin_trap();
  }
  if (is_valid_tag(text) && (text.size() > 128 || text.find('/') != std::string_view::npos)) {
    __builtin_trap();
  }
  for (uint64_t length : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, uint64_t{1} << 40}) {
    const auto range = parse_byte_range(text, length);
    if (range.kind == ByteRange::Kind::partial &&
        (range.first > range.last || range.last >= length)) {
      __builtin_trap();
    }
  }
  return 0;
}
