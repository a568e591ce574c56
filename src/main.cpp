// regcache: a pull-through cache for container registries.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/application.hpp"
#include "build_info.hpp"
#include "clientconfig/client_config_command.hpp"
#include "config/config_loader.hpp"

namespace {

constexpr int kConfigError = 2;

std::string version_text() {
  return std::string("regcache ") + regcache::build_info::kVersion + " (commit " +
         regcache::build_info::kCommit + ", built " + regcache::build_info::kDate + ")";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"regcache: a pull-through cache (mirror) for container registries"};
  cli.set_version_flag("--version", version_text());
  cli.require_subcommand(1);

  std::string config_path;
  auto* serve = cli.add_subcommand("serve", "Run the mirror");
  serve->add_option("--config,-c,config", config_path,
                    "registry:2 style config.yml (optional: defaults mirror Docker Hub on :5000)");

  regcache::clientconfig::ClientConfigOptions client;
  std::string client_config_path;
  std::string client_default;
  auto* client_config = cli.add_subcommand(
      "client-config",
      "Print (or write with --output) the Docker, containerd, k3s and podman/CRI-O configuration "
      "that makes nodes pull through this mirror");
  client_config
      ->add_option("--mirror,-m", client.mirror,
                   "URL clients reach the mirror at, e.g. http://mirror.example.com:5000")
      ->required();
  client_config->add_option("--upstream,-u", client.upstreams,
                            "registry to mirror (repeatable); default: every upstream in --config, "
                            "else docker.io");
  client_config->add_option("--config,-c", client_config_path,
                            "the mirror's config.yml: take the upstreams and the default from it");
  client_config->add_option("--default-upstream", client_default,
                            "the mirror's default upstream (\"none\" for none); default: from "
                            "--config, else docker.io when mirrored");
  client_config->add_option("--output,-o", client.output_dir,
                            "write the files into this directory instead of printing them");
  client_config->add_option("--runtime,-r", client.runtimes,
                            "only these: docker, containerd, k3s, podman (repeatable)");
  client_config->add_flag("--containerd-override-path", client.containerd_override_path,
                          "containerd: name the registry in the host path (override_path = true)");

  CLI11_PARSE(cli, argc, argv);

  if (client_config->parsed()) {
    if (!client_config_path.empty()) client.config_file = client_config_path;
    if (client_config->count("--default-upstream") > 0) client.default_upstream = client_default;
    return regcache::clientconfig::run_client_config(
        client, regcache::config::process_environment(), std::cout, std::cerr);
  }

  if (serve->parsed()) {
    regcache::config::Config config;
    try {
      auto env = regcache::config::process_environment();
      std::optional<std::filesystem::path> file;
      if (!config_path.empty()) {
        file = config_path;
      } else {
        file = regcache::config::configuration_path_from_environment(env);  // registry:2's variable
      }
      config = regcache::config::load_config(file, env);
      if (!config.http.tls.certificate.empty()) {
        throw regcache::config::ConfigError(
            "http.tls: TLS is not served by this version yet; terminate TLS in nginx in front of "
            "regcache and remove http.tls");
      }
    } catch (const regcache::config::ConfigError& e) {
      std::cerr << "regcache: configuration error: " << e.what() << "\n";
      return kConfigError;
    }
    try {
      return regcache::app::Application(std::move(config)).run();
    } catch (const std::exception& e) {
      std::cerr << "regcache: cannot start: " << e.what() << "\n";
      return 1;
    }
  }
  return 0;
}
