// regcache: a pull-through cache for container registries.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "control/operator_cli.hpp"
#include "app/application.hpp"
#include "build_info.hpp"
#include "cli/check.hpp"
#include "cli/prefetch.hpp"
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

  regcache::control::OperatorCli operator_commands(cli);  // usage, list, remove, gc, verify, ...

  regcache::cli::CheckOptions check_options;
  std::string check_config;
  bool check_json = false;
  auto* check = cli.add_subcommand(
      "check", "Run the troubleshooting checks against a config and/or a running mirror");
  check->add_option("--config,-c", check_config, "config.yml to check (as for serve)");
  check->add_option("--mirror", check_options.mirror_url,
                    "URL of a running mirror to check, e.g. http://mirror:5000");
  check->add_flag(
      "--mirror-only", [&](int64_t) { check_options.check_config = false; },
      "only check the running mirror, not a config");
  check->add_option("--image", check_options.image,
                    "image for the quota and cached-blob checks (default for Docker Hub: "
                    "ratelimitpreview/test)");
  check->add_flag("--json", check_json, "print one JSON document instead of lines");

  regcache::cli::PrefetchOptions prefetch_options;
  std::vector<std::string> prefetch_images, prefetch_platforms;
  std::string prefetch_file;
  auto* prefetch = cli.add_subcommand("prefetch", "Pre-warm a running mirror with images");
  prefetch->add_option("--mirror", prefetch_options.mirror_url, "URL of the mirror")->required();
  prefetch->add_option("images", prefetch_images, "images: name[:tag] or name@sha256:...");
  prefetch->add_option("--file,-f", prefetch_file, "file with one image per line (# comments)");
  prefetch
      ->add_option("--platform", prefetch_platforms,
                   "only these platforms of a multi-platform image (os/arch[/variant]; "
                   "repeatable; default: all)")
      ->allow_extra_args(false);  // one value per --platform: images may follow
  prefetch
      ->add_option("--concurrency,-j", prefetch_options.concurrency,
                   "requests to the mirror at once")
      ->check(CLI::Range(1, 64))
      ->default_val(4);

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
  if (auto code = operator_commands.run()) return *code;

  if (client_config->parsed()) {
    if (!client_config_path.empty()) client.config_file = client_config_path;
    if (client_config->count("--default-upstream") > 0) client.default_upstream = client_default;
    return regcache::clientconfig::run_client_config(
        client, regcache::config::process_environment(), std::cout, std::cerr);
  }

  if (check->parsed()) {
    if (!check_config.empty()) check_options.config_path = check_config;
    if (!check_options.check_config && check_options.mirror_url.empty()) {
      std::cerr << "regcache check: --mirror-only needs --mirror URL\n";
      return kConfigError;
    }
    auto results = regcache::cli::run_checks(check_options);
    if (check_json) {
      regcache::cli::print_json(results, stdout);
    } else {
      regcache::cli::print_text(results, stdout);
    }
    return regcache::cli::any_failed(results) ? 1 : 0;
  }

  if (prefetch->parsed()) {
    prefetch_options.images = prefetch_images;
    if (!prefetch_file.empty()) {
      auto listed = regcache::cli::read_image_list(prefetch_file);
      if (!listed) {
        std::cerr << "regcache prefetch: " << listed.error() << "\n";
        return kConfigError;
      }
      prefetch_options.images.insert(prefetch_options.images.end(), listed->begin(), listed->end());
    }
    if (prefetch_options.images.empty()) {
      std::cerr << "regcache prefetch: no images given (arguments or --file)\n";
      return kConfigError;
    }
    for (const auto& text : prefetch_platforms) {
      auto platform = regcache::cli::parse_platform(text);
      if (!platform) {
        std::cerr << "regcache prefetch: " << platform.error() << "\n";
        return kConfigError;
      }
      prefetch_options.platforms.push_back(*platform);
    }
    auto summary = regcache::cli::run_prefetch(prefetch_options, stdout, ::isatty(STDOUT_FILENO));
    return summary.images_failed == 0 ? 0 : 1;
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
    } catch (const regcache::config::ConfigError& e) {
      std::cerr << "regcache: configuration error: " << e.what() << "\n";
      return kConfigError;
    }
    try {
      return regcache::app::Application(std::move(config)).run();
    } catch (const regcache::config::ConfigError& e) {  // TLS or htpasswd files unusable
      std::cerr << "regcache: configuration error: " << e.what() << "\n";
      return kConfigError;
    } catch (const std::exception& e) {
      std::cerr << "regcache: cannot start: " << e.what() << "\n";
      return 1;
    }
  }
  return 0;
}
