// Fuzz target: configuration loading. The input is a config.yml, optionally
// followed by a line "---env---" and NAME=value lines for the environment.
// Anything but a ConfigError (a precise message) is a bug: a crash, another
// exception, a hang. The storage root always comes from the environment and
// points into a scratch directory, so the fuzzer cannot create directories
// elsewhere.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "access/htpasswd.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"

using namespace regcache;

namespace {

const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    auto path = std::filesystem::temp_directory_path() /
                ("regcache-fuzz-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSeparator = "\n---env---\n";
  const auto split = input.find(kSeparator);
  const std::string_view yaml = input.substr(0, split);

  config::Environment env;
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + kSeparator.size());
    while (!rest.empty()) {
      const auto newline = rest.find('\n');
      const auto line = rest.substr(0, newline);
      rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
      const auto equals = line.find('=');
      if (equals != std::string_view::npos) {
        env[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
      }
    }
  }
  env["REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY"] = (scratch() / "storage").string();
  env.erase("REGISTRY_CONFIGURATION_PATH");

  const auto file = scratch() / "config.yml";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << yaml;
  try {
    (void)config::load_config(file, env);
  } catch (const config::ConfigError&) {
  }
  (void)access::Htpasswd::parse(yaml, "htpasswd");  // the other file the config names
  return 0;
}
