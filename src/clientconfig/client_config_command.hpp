#pragma once
// `regcache client-config`: prints, or writes into a directory, the
// configuration each container runtime needs to pull through this mirror:
// Docker daemon.json, containerd hosts.toml files (+ the config_path line),
// k3s registries.yaml and a podman/CRI-O registries.conf drop-in. The
// registries come from --upstream or from the mirror's own config.yml.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/config_loader.hpp"

namespace regcache::clientconfig {

struct ClientConfigOptions {
  std::string mirror;                  // the URL clients use: http(s)://host[:port]
  std::vector<std::string> upstreams;  // registry names; empty = all configured (or docker.io)
  std::optional<std::string> default_upstream;  // overrides the config's; "none" for none
  std::optional<std::filesystem::path> config_file;
  std::filesystem::path output_dir;   // empty: print to `out`
  std::vector<std::string> runtimes;  // docker, containerd, k3s, podman; empty = all
  bool containerd_override_path = false;
};

inline constexpr int kClientConfigUsageError = 2;

// Returns the exit code: 0, kClientConfigUsageError for invalid arguments or
// configuration, 1 when the files cannot be written. Messages go to `err`.
int run_client_config(const ClientConfigOptions& options, const config::Environment& env,
                      std::ostream& out, std::ostream& err);

}  // namespace regcache::clientconfig
