#include "clientconfig/k3s_registries.hpp"

#include <fmt/format.h>

namespace regcache::clientconfig {

void add_k3s_registries(const ClientSetup& setup, ClientFiles& out) {
  std::string text = fmt::format(
      "# k3s: pull through regcache at {} (written by `regcache client-config`).\n"
      "# Restart k3s (or k3s-agent) after changing this file.\n"
      "mirrors:\n",
      setup.mirror.url);
  for (const auto& registry : setup.registries) {
    text +=
        fmt::format("  \"{}\":\n    endpoint:\n      - \"{}\"\n", registry.name, setup.mirror.url);
  }
  out.files.push_back({"k3s/registries.yaml", "/etc/rancher/k3s/registries.yaml", text});
}

}  // namespace regcache::clientconfig
