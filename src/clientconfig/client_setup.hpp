#pragma once
// What `regcache client-config` writes configuration for: one mirror URL and
// the registries it mirrors. The generators (docker_daemon_json, containerd_hosts,
// k3s_registries, containers_registries_conf) turn it into the files each
// container runtime reads.

#include <string>
#include <vector>

#include "clientconfig/mirror_endpoint.hpp"

namespace regcache::clientconfig {

struct MirroredRegistry {
  std::string name;    // as in image references: "ghcr.io", "registry.local:5000"
  std::string origin;  // where runtimes pull from without the mirror: "https://ghcr.io"
  // The first path component that selects this registry on the mirror
  // (`mirror:5000/<prefix>/owner/app`): the name, or an alias when the name has a
  // port (':' cannot appear in an image path). Empty when there is none.
  std::string path_prefix;
};

struct ClientSetup {
  MirrorEndpoint mirror;
  std::vector<MirroredRegistry> registries;
  std::string default_registry;  // the mirror's default upstream; empty = none
  // containerd: put the registry in the host path (`override_path = true`)
  // instead of relying on the `ns` parameter alone.
  bool containerd_override_path = false;
};

// One file for one runtime.
struct GeneratedFile {
  // Relative, under --output: "containerd/certs.d/ghcr.io/hosts.toml".
  std::string path;
  // Where it goes on a node: "/etc/containerd/certs.d/ghcr.io/hosts.toml".
  std::string install_path;
  std::string content;
};

// Files plus what the operator must know that the files cannot say.
struct ClientFiles {
  std::vector<GeneratedFile> files;
  std::vector<std::string> notes;
};

}  // namespace regcache::clientconfig
