#pragma once
// registry:2's environment overrides, applied on top of config.yml:
//  - REGISTRY_<PATH>: the key's path upper-cased with '_' between segments
//    (REGISTRY_PROXY_REMOTEURL overrides proxy.remoteurl);
//  - REGISTRY_HTTP_HEADERS (a YAML mapping) and REGISTRY_HTTP_HEADERS_<NAME>
//    (a YAML list or a single value) for http.headers;
//  - REGISTRY_STORAGE=filesystem; any other driver is an error;
//  - REGCACHE_<KEY> for regcache's own section (REGCACHE_TAG_REVALIDATE=5m);
//    REGCACHE_UPSTREAMS is YAML (a list, like regcache.upstreams in the file).
// Values are taken literally (registry:2 parses them as YAML, which would turn a
// password such as "#abc" into nothing); only the headers and the upstream list are YAML.
// Unknown REGISTRY_* / REGCACHE_* variables and registry:2 keys regcache does not
// use become warnings that name the variable, never its value.

#include "config/config_loader.hpp"
#include "config/settings.hpp"

namespace regcache::config {

// Variables regcache reads elsewhere and so does not warn about.
// REGISTRY_CONFIGURATION_PATH: registry:2's configuration file when none is given.
inline constexpr const char* kConfigurationPathVariable = "REGISTRY_CONFIGURATION_PATH";

// Applies the overrides in `env` to `settings`. Throws ConfigError for an
// unsupported storage driver or a header variable that is not valid YAML.
void apply_environment_overrides(const Environment& env, Settings& settings);

}  // namespace regcache::config
