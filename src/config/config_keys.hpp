#pragma once
// The configuration keys regcache knows: the registry:2 config.yml keys it
// reads, those it knowingly ignores, and its own `regcache:` section. The file
// reader and the environment overrides both walk this one table, so a key is
// added in one place.

#include <span>
#include <string>
#include <string_view>

namespace regcache::config {

enum class KeyKind {
  section,      // a mapping of further keys
  value,        // a single value regcache reads
  header_map,   // http.headers: header name -> list of values (or one value)
  structured,   // a list or mapping read as a whole by its reader; from the environment as YAML
  unused,       // a registry:2 key regcache knowingly ignores: one warning, not descended
  unsupported,  // a registry:2 key whose absence would weaken security: refuse to start
};

struct KeySpec {
  std::string_view path;  // dotted, as in config.yml: "proxy.remoteurl"
  KeyKind kind;
  std::string_view note = {};  // for unused keys: what ignoring it means, if it matters
};

// Every known key, parents before children.
std::span<const KeySpec> known_keys();

// The spec for `path`, or nullptr for a key nobody knows.
const KeySpec* find_key(std::string_view path);

// The environment variable that overrides `path`: "proxy.ttl" -> "REGISTRY_PROXY_TTL"
// (registry:2's rule), "regcache.io_threads" -> "REGCACHE_IO_THREADS",
// "regcache.origin.secrets" -> "REGCACHE_ORIGIN_SECRETS".
std::string environment_variable(std::string_view path);

}  // namespace regcache::config
