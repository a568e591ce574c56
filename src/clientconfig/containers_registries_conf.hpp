#pragma once
// podman, CRI-O, buildah and skopeo (containers-registries.conf(5), v2 format):
// a drop-in for /etc/containers/registries.conf.d/. Their mirrors replace the
// registry part of an image name with the mirror location, so each registry's
// mirror location carries the registry as a path prefix
// (`mirror:5000/ghcr.io`), which regcache routes on.

#include "clientconfig/client_setup.hpp"

namespace regcache::clientconfig {

void add_containers_registries_conf(const ClientSetup& setup, ClientFiles& out);

}  // namespace regcache::clientconfig
