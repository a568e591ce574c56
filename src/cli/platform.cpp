#include "cli/platform.hpp"

namespace regcache::cli {

std::string Platform::text() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Result<Platform, std::string> parse_platform(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (const auto& p : parts) {
    if (p.empty()) parts.clear();
  }
  if (parts.size() < 2 || parts.size() > 3) {
    return fail("invalid platform \"" + std::string(text) +
                "\" (use os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8)");
  }
  return Platform{parts[0], parts[1], parts.size() == 3 ? parts[2] : ""};
}

bool platform_matches(const std::vector<Platform>& wanted, const Platform& entry) {
  if (wanted.empty()) return true;
  for (const auto& w : wanted) {
    if (w.os == entry.os && w.architecture == entry.architecture &&
        (w.variant.empty() || w.variant == entry.variant)) {
      return true;
    }
  }
  return false;
}

}  // namespace regcache::cli
