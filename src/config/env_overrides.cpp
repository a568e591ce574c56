#include "config/env_overrides.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "config/config_error.hpp"
#include "config/config_keys.hpp"
#include "config/quote.hpp"

namespace regcache::config {
namespace {

constexpr std::string_view kRegistryPrefix = "REGISTRY_";
constexpr std::string_view kOwnPrefix = "REGCACHE_";
constexpr std::string_view kHeadersVariable = "REGISTRY_HTTP_HEADERS";
constexpr std::string_view kStorageVariable = "REGISTRY_STORAGE";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string where(std::string_view name) { return fmt::format("environment {}", name); }

// `name` is `variable` itself or one of its sub-keys (REGISTRY_REDIS_ADDR for REGISTRY_REDIS).
bool names_key_or_child(std::string_view name, std::string_view variable) {
  return name == variable || (name.starts_with(variable) && name.size() > variable.size() &&
                              name[variable.size()] == '_');
}

// Kubernetes sets <SERVICE>_PORT, <SERVICE>_PORT_5000_TCP..., <SERVICE>_SERVICE_HOST
// for every Service in the namespace; a Service named "registry" or "regcache"
// therefore produces variables that look like overrides.
bool looks_like_kubernetes_service_link(std::string_view name) {
  for (std::string_view prefix : {kRegistryPrefix, kOwnPrefix}) {
    if (!name.starts_with(prefix)) continue;
    const auto rest = name.substr(prefix.size());
    if (names_key_or_child(rest, "PORT") || names_key_or_child(rest, "SERVICE_HOST") ||
        names_key_or_child(rest, "SERVICE_PORT")) {
      return true;
    }
  }
  return false;
}

YAML::Node load_yaml(std::string_view name, const std::string& value) {
  try {
    return YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: invalid YAML: {}", where(name), e.msg));
  }
}

class EnvironmentReader {
 public:
  explicit EnvironmentReader(Settings& settings) : settings_(settings) {}

  void apply(const std::string& name, const std::string& value) {
    if (name.starts_with(kOwnPrefix)) {
      apply_own(name, value);
    } else if (name.starts_with(kRegistryPrefix)) {
      apply_registry(name, value);
    }
  }

 private:
  void apply_own(const std::string& name, const std::string& value) {
    // Nested keys too: REGCACHE_ORIGIN_SECRETS is regcache.origin.secrets.
    // Structured keys (REGCACHE_UPSTREAMS) take a YAML value.
    for (const KeySpec& spec : known_keys()) {
      if (!spec.path.starts_with("regcache.") || environment_variable(spec.path) != name) continue;
      if (spec.kind == KeyKind::value) {
        settings_.values[std::string(spec.path)] = Setting{YAML::Node(value), where(name)};
        return;
      }
      if (spec.kind == KeyKind::structured) {
        settings_.values[std::string(spec.path)] = Setting{load_yaml(name, value), where(name)};
        return;
      }
    }
    unknown(name);
  }

  void apply_registry(const std::string& name, const std::string& value) {
    if (name == kConfigurationPathVariable) return;
    if (name == kStorageVariable) {
      if (value != "filesystem" && value != "s3") {
        throw ConfigError(
            fmt::format("{}: storage driver {} is not supported by regcache yet (use filesystem or s3)",
                        where(name), in_quotes(value)));
      }
      return;
    }
    if (name == kHeadersVariable) {
      const YAML::Node headers = load_yaml(name, value);
      if (!headers.IsMap() && !headers.IsNull()) {
        throw ConfigError(fmt::format(
            "{}: expected a YAML mapping of header names to lists of values", where(name)));
      }
      settings_.headers.clear();
      for (const auto& entry : headers) {
        const std::string header = entry.first.IsScalar() ? entry.first.Scalar() : "?";
        settings_.set_header(header,
                             Setting{entry.second, fmt::format("{} ({})", where(name), header)});
      }
      return;
    }
    if (names_key_or_child(name, kHeadersVariable)) {
      const std::string header = name.substr(kHeadersVariable.size() + 1);
      settings_.set_header(header, Setting{load_yaml(name, value), where(name)});
      return;
    }

    for (const KeySpec& spec : known_keys()) {
      if (spec.path.starts_with("regcache")) continue;  // REGCACHE_<KEY>, above
      const std::string variable = environment_variable(spec.path);
      switch (spec.kind) {
        case KeyKind::value:
          if (name == variable) {
            settings_.values[std::string(spec.path)] = Setting{YAML::Node(value), where(name)};
            return;
          }
          break;
        case KeyKind::unsupported:
          if (names_key_or_child(name, variable)) {
            throw ConfigError(fmt::format("{}: not supported: {}", where(name), spec.note));
          }
          break;
        case KeyKind::unused:
          if (names_key_or_child(name, variable)) {
            settings_.warnings.push_back(fmt::format("{}: not used by regcache (ignored){}{}",
                                                     where(name), spec.note.empty() ? "" : ": ",
                                                     spec.note));
            return;
          }
          break;
        case KeyKind::section:
          if (name == variable) {
            settings_.warnings.push_back(fmt::format(
                "{}: setting a whole section from one variable is not supported (ignored); "
                "set its keys, e.g. {}_<KEY>",
                where(name), variable));
            return;
          }
          break;
        case KeyKind::header_map:
        case KeyKind::structured:
          break;  // handled above
      }
    }

    // Client authentication regcache does not know must not be ignored quietly.
    if (names_key_or_child(name, "REGISTRY_AUTH")) {
      throw ConfigError(
          fmt::format("{}: not supported: regcache authenticates clients with auth.htpasswd only "
                      "(REGISTRY_AUTH_HTPASSWD_PATH, REGISTRY_AUTH_HTPASSWD_REALM)",
                      where(name)));
    }
    // registry:2 reads any other REGISTRY_STORAGE_<X>_... as parameters of driver <x>.
    constexpr std::string_view kStorageChild = "REGISTRY_STORAGE_";
    if (name.starts_with(kStorageChild)) {
      std::string_view rest = std::string_view(name).substr(kStorageChild.size());
      const std::string driver = lower(rest.substr(0, rest.find('_')));
      if (find_key("storage." + driver) == nullptr) {
        throw ConfigError(
            fmt::format("{}: storage driver {} is not supported by regcache yet (use filesystem or s3)",
                        where(name), in_quotes(driver)));
      }
    }
    unknown(name);
  }

  void unknown(const std::string& name) {
    if (looks_like_kubernetes_service_link(name)) {
      settings_.warnings.push_back(
          fmt::format("{}: unknown variable (ignored); it looks like a Kubernetes service link "
                      "(set enableServiceLinks: false in the pod spec to drop it)",
                      where(name)));
      return;
    }
    settings_.warnings.push_back(fmt::format("{}: unknown variable (ignored)", where(name)));
  }

  Settings& settings_;
};

}  // namespace

void apply_environment_overrides(const Environment& env, Settings& settings) {
  EnvironmentReader reader(settings);
  // Environment is ordered by name, so REGISTRY_HTTP_HEADERS comes before
  // REGISTRY_HTTP_HEADERS_<NAME> and the single-header variables refine it.
  for (const auto& [name, value] : env) reader.apply(name, value);
}

}  // namespace regcache::config
