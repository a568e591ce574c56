#pragma once
// Docker: /etc/docker/daemon.json. Docker's `registry-mirrors` only ever
// mirrors Docker Hub and sends requests without naming a registry, so it is set
// only when Docker Hub is the mirror's default upstream. Other registries are
// pulled by path prefix (`mirror:5000/ghcr.io/owner/app:1`), which needs
// `insecure-registries` when the mirror speaks plain HTTP.

#include "clientconfig/client_setup.hpp"

namespace regcache::clientconfig {

// Adds daemon.json (unless there is nothing to set) and the notes that go with it.
void add_docker_daemon_json(const ClientSetup& setup, ClientFiles& out);

}  // namespace regcache::clientconfig
