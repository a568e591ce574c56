#pragma once
// k3s (and RKE2): /etc/rancher/k3s/registries.yaml. k3s turns it into
// containerd hosts.toml files itself, so containerd's `ns` parameter routes the
// requests. A plain-HTTP mirror needs nothing more than its http:// endpoint
// (`configs` is for credentials and TLS settings, which the mirror does not need).

#include "clientconfig/client_setup.hpp"

namespace regcache::clientconfig {

void add_k3s_registries(const ClientSetup& setup, ClientFiles& out);

}  // namespace regcache::clientconfig
