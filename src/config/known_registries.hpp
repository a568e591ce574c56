#pragma once
// Public registries regcache knows by name, so that `{name: ghcr.io}` is a
// complete upstream: where the registry is served from and which other names
// clients use for it. Docker Hub is the odd one: its API lives on
// registry-1.docker.io and its one-component names are official images
// (`alpine` is `library/alpine`).

#include <span>
#include <string_view>

namespace regcache::config {

struct KnownRegistry {
  std::string_view name;        // the name in image references: "docker.io"
  std::string_view remote_url;  // where its API is served: "https://registry-1.docker.io"
  bool docker_hub_library_rule = false;
  std::span<const std::string_view> aliases;  // other host names clients use for it
};

std::span<const KnownRegistry> known_registries();

// The registry called `name` (or one of its aliases), or nullptr.
const KnownRegistry* find_known_registry(std::string_view name);

}  // namespace regcache::config
