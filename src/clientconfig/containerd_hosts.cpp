#include "clientconfig/containerd_hosts.hpp"

#include <fmt/format.h>

namespace regcache::clientconfig {
namespace {

std::string hosts_toml(const ClientSetup& setup, const MirroredRegistry& registry) {
  std::string text = fmt::format(
      "# containerd: pull {} images through regcache at {}\n"
      "# (written by `regcache client-config`). When the mirror fails, containerd\n"
      "# falls back to the server below.\n"
      "server = \"{}\"\n\n",
      registry.name, setup.mirror.url, registry.origin);
  if (setup.containerd_override_path) {
    text += fmt::format("[host.\"{}/v2/{}\"]\n", setup.mirror.url, registry.name);
    text += "  capabilities = [\"pull\", \"resolve\"]\n";
    text += "  override_path = true\n";
  } else {
    text += fmt::format("[host.\"{}\"]\n", setup.mirror.url);
    text += "  capabilities = [\"pull\", \"resolve\"]\n";
  }
  return text;
}

constexpr const char* kConfigPath =
    "# Add to /etc/containerd/config.toml so that the CRI plugin (kubelet, crictl)\n"
    "# reads the hosts.toml files, then restart containerd. ctr reads them with\n"
    "#   ctr images pull --hosts-dir /etc/containerd/certs.d <image>\n"
    "#\n"
    "# containerd 1.x (config version = 2):\n"
    "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
    "  config_path = \"/etc/containerd/certs.d\"\n"
    "#\n"
    "# containerd 2.x (config version = 3) instead:\n"
    "# [plugins.\"io.containerd.cri.v1.images\".registry]\n"
    "#   config_path = \"/etc/containerd/certs.d\"\n";

}  // namespace

void add_containerd_hosts(const ClientSetup& setup, ClientFiles& out) {
  for (const auto& registry : setup.registries) {
    out.files.push_back({fmt::format("containerd/certs.d/{}/hosts.toml", registry.name),
                         fmt::format("{}/{}/hosts.toml", kContainerdCertsDir, registry.name),
                         hosts_toml(setup, registry)});
  }
  out.files.push_back({"containerd/config_path.toml",
                       "/etc/containerd/config.toml (add these lines)", kConfigPath});
}

}  // namespace regcache::clientconfig
