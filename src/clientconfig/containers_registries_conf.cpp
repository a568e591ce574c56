#include "clientconfig/containers_registries_conf.hpp"

#include <fmt/format.h>

namespace regcache::clientconfig {

void add_containers_registries_conf(const ClientSetup& setup, ClientFiles& out) {
  std::string text = fmt::format(
      "# podman / CRI-O / buildah / skopeo: pull through regcache at {}\n"
      "# (written by `regcache client-config`; containers-registries.conf v2).\n",
      setup.mirror.url);
  bool any = false;
  for (const auto& registry : setup.registries) {
    if (registry.path_prefix.empty()) continue;  // noted by the Docker generator
    any = true;
    text += fmt::format(
        "\n[[registry]]\n"
        "prefix = \"{}\"\n"
        "location = \"{}\"\n"
        "\n[[registry.mirror]]\n"
        "location = \"{}/{}\"\n",
        registry.name, registry.name, setup.mirror.host_port, registry.path_prefix);
    if (setup.mirror.plain_http) text += "insecure = true\n";
  }
  if (!any) return;
  out.files.push_back({"containers/registries.conf.d/50-regcache.conf",
                       "/etc/containers/registries.conf.d/50-regcache.conf", text});
}

}  // namespace regcache::clientconfig
