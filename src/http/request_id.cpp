#include "http/request_id.hpp"

#include <array>
#include <random>

namespace regcache::http {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '+' || c == '/' || c == '=' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string generate_request_id() {
  // Per thread: no lock on the request path. Seeded from the OS once per thread.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = engine();
    for (int i = 0; i < 16; ++i) {
      id[half * 16 + i] = kHex[bits & 0xf];
      bits >>= 4;
    }
  }
  return id;
}

std::string request_id_for(std::string_view header_value) {
  if (acceptable_request_id(header_value)) return std::string(header_value);
  return generate_request_id();
}

}  // namespace regcache::http
