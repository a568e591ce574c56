#include "config/known_registries.hpp"

#include <algorithm>
#include <array>

namespace regcache::config {
namespace {

constexpr std::array<std::string_view, 2> kDockerHubAliases{"index.docker.io",
                                                            "registry-1.docker.io"};

constexpr std::array kKnown{
    KnownRegistry{"docker.io", "https://registry-1.docker.io", true, kDockerHubAliases},
    KnownRegistry{"registry.k8s.io", "https://registry.k8s.io"},
    KnownRegistry{"ghcr.io", "https://ghcr.io"},
    KnownRegistry{"quay.io", "https://quay.io"},
    KnownRegistry{"gcr.io", "https://gcr.io"},
    KnownRegistry{"mcr.microsoft.com", "https://mcr.microsoft.com"},
};

}  // namespace

std::span<const KnownRegistry> known_registries() { return kKnown; }

const KnownRegistry* find_known_registry(std::string_view name) {
  for (const KnownRegistry& known : kKnown) {
    if (known.name == name ||
        std::find(known.aliases.begin(), known.aliases.end(), name) != known.aliases.end()) {
      return &known;
    }
  }
  return nullptr;
}

}  // namespace regcache::config
