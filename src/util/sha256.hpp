#pragma once
// Incremental SHA-256 (OpenSSL EVP), for verifying content against its digest
// while it streams.

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace regcache {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::span<const char> bytes);
  void update(std::string_view bytes) { update(std::span<const char>(bytes.data(), bytes.size())); }
  // Lower-case hex of the digest; the object must not be updated afterwards.
  std::string finish_hex();

  static std::string hex_of(std::string_view bytes);

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

}  // namespace regcache
