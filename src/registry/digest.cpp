#include "registry/digest.hpp"

#include <regex>

namespace regcache::registry {

std::optional<Digest> Digest::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.size() != kPrefix.size() + 64 || text.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  auto hex = text.substr(kPrefix.size());
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return Digest(std::string(hex));
}

bool looks_like_digest(std::string_view text) {
  // digest := algorithm ":" encoded
  // algorithm := component (separator component)*, component := [a-z0-9]+, separator := [+._-]
  // encoded := [a-zA-Z0-9=_-]+
  static const std::regex kGrammar("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
  return std::regex_match(text.begin(), text.end(), kGrammar);
}

}  // namespace regcache::registry
