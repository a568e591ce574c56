#include "clientconfig/client_config_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "clientconfig/containerd_hosts.hpp"
#include "clientconfig/containers_registries_conf.hpp"
#include "clientconfig/docker_daemon_json.hpp"
#include "clientconfig/k3s_registries.hpp"
#include "config/known_registries.hpp"
#include "config/quote.hpp"
#include "config/registry_name.hpp"
#include "config/upstream_list.hpp"

namespace regcache::clientconfig {
namespace {

using config::in_quotes;

// A usage or configuration problem, reported as "regcache client-config: <message>".
struct UsageError {
  std::string message;
};

std::string origin_of(const std::string& name) {
  const config::KnownRegistry* known = config::find_known_registry(name);
  return known != nullptr && known->name == name ? std::string(known->remote_url)
                                                 : "https://" + name;
}

MirroredRegistry mirrored(const std::string& name, const std::vector<std::string>& aliases) {
  MirroredRegistry out{name, origin_of(name), {}};
  if (name.find(':') == std::string::npos) {
    out.path_prefix = name;
  } else {
    const auto alias = std::find_if(aliases.begin(), aliases.end(), [](const std::string& a) {
      return a.find(':') == std::string::npos;
    });
    if (alias != aliases.end()) out.path_prefix = *alias;
  }
  return out;
}

void add_unique(std::vector<MirroredRegistry>& registries, MirroredRegistry registry) {
  const bool seen = std::any_of(registries.begin(), registries.end(),
                                [&](const MirroredRegistry& r) { return r.name == registry.name; });
  if (!seen) registries.push_back(std::move(registry));
}

// The registries and default upstream from the mirror's config.yml.
void from_config(const ClientConfigOptions& options, const config::Environment& env,
                 ClientSetup& setup) {
  config::Config loaded;
  try {
    loaded = config::load_config(options.config_file, env, {.check_paths = false});
  } catch (const config::ConfigError& e) {
    throw UsageError{fmt::format("configuration error: {}", e.what())};
  }
  if (options.upstreams.empty()) {
    for (const auto& upstream : loaded.upstreams) {
      add_unique(setup.registries, mirrored(upstream.name, upstream.aliases));
    }
  }
  for (const auto& wanted : options.upstreams) {
    const config::UpstreamConfig* upstream = config::find_upstream(loaded, wanted);
    if (upstream == nullptr) {
      throw UsageError{fmt::format("--upstream {}: not an upstream of {}", in_quotes(wanted),
                                   options.config_file->string())};
    }
    add_unique(setup.registries, mirrored(upstream->name, upstream->aliases));
  }
  setup.default_registry = loaded.default_upstream;
}

// The registries named by --upstream, with built-in knowledge only.
void from_names(const ClientConfigOptions& options, ClientSetup& setup) {
  const std::vector<std::string> names =
      options.upstreams.empty() ? std::vector<std::string>{"docker.io"} : options.upstreams;
  for (const auto& text : names) {
    auto name = config::parse_registry_name(text);
    if (!name) {
      throw UsageError{fmt::format("--upstream {}: {}", in_quotes(text), name.error())};
    }
    if (const config::KnownRegistry* known = config::find_known_registry(*name)) {
      *name = std::string(known->name);  // index.docker.io is docker.io
    }
    add_unique(setup.registries, mirrored(*name, {}));
  }
  const bool has_hub = std::any_of(setup.registries.begin(), setup.registries.end(),
                                   [](const MirroredRegistry& r) { return r.name == "docker.io"; });
  setup.default_registry = has_hub ? "docker.io" : "";
}

ClientSetup resolve(const ClientConfigOptions& options, const config::Environment& env) {
  ClientSetup setup;
  auto mirror = parse_mirror_endpoint(options.mirror);
  if (!mirror) {
    throw UsageError{fmt::format("--mirror {}: {}", in_quotes(options.mirror), mirror.error())};
  }
  setup.mirror = std::move(*mirror);
  setup.containerd_override_path = options.containerd_override_path;
  if (options.config_file) {
    from_config(options, env, setup);
  } else {
    from_names(options, setup);
  }
  if (options.default_upstream) {
    const std::string wanted = *options.default_upstream;
    if (wanted.empty() || wanted == "none") {
      setup.default_registry.clear();
    } else {
      const auto it = std::find_if(setup.registries.begin(), setup.registries.end(),
                                   [&](const MirroredRegistry& r) { return r.name == wanted; });
      if (it == setup.registries.end()) {
        throw UsageError{
            fmt::format("--default-upstream {}: not one of the upstreams", in_quotes(wanted))};
      }
      setup.default_registry = wanted;
    }
  }
  return setup;
}

bool wanted(const ClientConfigOptions& options, std::string_view runtime) {
  return options.runtimes.empty() || std::find(options.runtimes.begin(), options.runtimes.end(),
                                               runtime) != options.runtimes.end();
}

ClientFiles generate(const ClientConfigOptions& options, const ClientSetup& setup) {
  for (const auto& runtime : options.runtimes) {
    if (runtime != "docker" && runtime != "containerd" && runtime != "k3s" && runtime != "podman") {
      throw UsageError{fmt::format("--runtime {}: unknown (use docker, containerd, k3s or podman)",
                                   in_quotes(runtime))};
    }
  }
  ClientFiles files;
  if (wanted(options, "docker")) add_docker_daemon_json(setup, files);
  if (wanted(options, "containerd")) add_containerd_hosts(setup, files);
  if (wanted(options, "k3s")) add_k3s_registries(setup, files);
  if (wanted(options, "podman")) add_containers_registries_conf(setup, files);
  return files;
}

void print(const ClientFiles& files, std::ostream& out) {
  if (files.files.size() == 1) {
    out << files.files.front().content;  // alone: exactly the file, for pipes
    return;
  }
  bool first = true;
  for (const auto& file : files.files) {
    out << (first ? "" : "\n") << "# ==> " << file.install_path << " <==\n" << file.content;
    first = false;
  }
}

std::string readme(const ClientSetup& setup, const ClientFiles& files) {
  std::string text = fmt::format(
      "Client configuration for the regcache mirror at {}\n"
      "(written by `regcache client-config`). Install each file on the nodes:\n\n",
      setup.mirror.url);
  for (const auto& file : files.files)
    text += fmt::format("  {}\n    -> {}\n", file.path, file.install_path);
  if (!files.notes.empty()) text += "\nNotes:\n";
  for (const auto& note : files.notes) text += "  - " + note + "\n";
  return text;
}

// Writes `content` to dir/relative, creating directories. Throws on failure.
void write_file(const std::filesystem::path& dir, const std::string& relative,
                const std::string& content, std::ostream& out) {
  const auto path = dir / relative;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
  file.close();
  if (!file) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
  out << "wrote " << path.string() << "\n";
}

}  // namespace

int run_client_config(const ClientConfigOptions& options, const config::Environment& env,
                      std::ostream& out, std::ostream& err) {
  ClientSetup setup;
  ClientFiles files;
  try {
    setup = resolve(options, env);
    files = generate(options, setup);
  } catch (const UsageError& e) {
    err << "regcache client-config: " << e.message << "\n";
    return kClientConfigUsageError;
  }
  if (files.files.empty()) {
    err << "regcache client-config: nothing to write for the runtimes asked for\n";
    for (const auto& note : files.notes) err << "note: " << note << "\n";
    return kClientConfigUsageError;
  }
  if (options.output_dir.empty()) {
    print(files, out);
    for (const auto& note : files.notes) err << "note: " << note << "\n";
    return 0;
  }
  try {
    for (const auto& file : files.files)
      write_file(options.output_dir, file.path, file.content, out);
    write_file(options.output_dir, "README.txt", readme(setup, files), out);
  } catch (const std::exception& e) {
    err << "regcache client-config: " << e.what() << "\n";
    return 1;
  }
  for (const auto& note : files.notes) err << "note: " << note << "\n";
  return 0;
}

}  // namespace regcache::clientconfig
