#pragma once
// containerd (and everything built on it: kubelet's CRI, cri-dockerd with
// containerd, nerdctl, ctr --hosts-dir): one certs.d/<registry>/hosts.toml per
// mirrored registry, plus the `config_path` line that makes the CRI plugin read
// them. containerd adds `?ns=<registry>` to every request it sends a mirror,
// which is how regcache tells the registries apart; with override_path the
// registry is in the path as well (/v2/<registry>/<repository>/...).

#include "clientconfig/client_setup.hpp"

namespace regcache::clientconfig {

inline constexpr const char* kContainerdCertsDir = "/etc/containerd/certs.d";

void add_containerd_hosts(const ClientSetup& setup, ClientFiles& out);

}  // namespace regcache::clientconfig
