#pragma once
// Content digests as the OCI distribution spec defines them. regcache stores
// and verifies sha256 only (the algorithm every registry uses); other
// well-formed algorithms are rejected as unsupported.

#include <optional>
#include <string>
#include <string_view>

namespace regcache::registry {

class Digest {
 public:
  // Parses "sha256:<64 lower-case hex>". Returns nullopt for anything else.
  static std::optional<Digest> parse(std::string_view text);
  static Digest from_sha256_hex(std::string hex) { return Digest(std::move(hex)); }

  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// True if `text` matches the spec's general digest grammar
// (algorithm ":" encoded), whatever the algorithm.
bool looks_like_digest(std::string_view text);

}  // namespace regcache::registry
