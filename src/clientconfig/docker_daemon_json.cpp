#include "clientconfig/docker_daemon_json.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace regcache::clientconfig {

void add_docker_daemon_json(const ClientSetup& setup, ClientFiles& out) {
  nlohmann::ordered_json daemon = nlohmann::ordered_json::object();
  const bool mirrors_hub = setup.default_registry == "docker.io";
  if (mirrors_hub) daemon["registry-mirrors"] = {setup.mirror.url};
  if (setup.mirror.plain_http) daemon["insecure-registries"] = {setup.mirror.host_port};

  if (!mirrors_hub) {
    out.notes.push_back(
        "Docker: registry-mirrors is left out because docker.io is not the mirror's default "
        "upstream (Docker sends Hub requests without naming the registry)");
  }
  for (const auto& registry : setup.registries) {
    if (registry.name == "docker.io" && mirrors_hub) continue;
    if (registry.path_prefix.empty()) {
      out.notes.push_back(fmt::format(
          "Docker and podman cannot pull {} through the mirror: an image path cannot contain "
          "':'; give that upstream an alias without a port (aliases: [...]) and run this again",
          registry.name));
      continue;
    }
    out.notes.push_back(fmt::format("Docker: pull {} images as {}/{}/<repository>:<tag>",
                                    registry.name, setup.mirror.host_port, registry.path_prefix));
  }
  if (daemon.empty()) return;
  out.files.push_back({"docker/daemon.json", "/etc/docker/daemon.json", daemon.dump(2) + "\n"});
  out.notes.push_back(
      "Docker: merge these keys into an existing /etc/docker/daemon.json, then restart dockerd");
}

}  // namespace regcache::clientconfig
