// regcache: a pull-through cache for container registries.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/application.hpp"
#include "build_info.hpp"
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

  CLI11_PARSE(cli, argc, argv);

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
