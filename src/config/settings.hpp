#pragma once
// Configuration values as read from config.yml and the environment, before they
// are interpreted. Each value remembers where it came from, so an error can name
// "config.yml: proxy.ttl" or "environment REGISTRY_PROXY_TTL".

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace regcache::config {

struct Setting {
  YAML::Node value;   // as written: a scalar, a list or a mapping
  std::string where;  // source and key, the prefix of every message about it
};

struct HeaderSetting {
  std::string name;  // header name as written
  Setting values;    // a list of values, or a single value
};

struct Settings {
  std::map<std::string, Setting, std::less<>> values;  // by key path, e.g. "proxy.ttl"
  std::vector<HeaderSetting> headers;                  // http.headers, in the order written
  std::vector<std::string> warnings;

  // nullptr when the key was given neither in the file nor in the environment.
  const Setting* find(std::string_view path) const;
  // Adds a header, replacing one of the same name in any letter case.
  void set_header(std::string name, Setting values);
};

// Throws ConfigError("<where>: <reason>").
[[noreturn]] void reject(const Setting& setting, std::string_view reason);

// The value as text; rejects a list or a mapping. Error messages never echo the
// value, so this is safe for secrets.
std::string text_of(const Setting& setting);

// A list: a YAML sequence of single values in the file, or (from an environment
// variable) one value with the items separated by commas. Items are trimmed;
// empty items are dropped.
std::vector<std::string> list_of(const Setting& setting);

// YAML 1.1 booleans as registry:2 reads them: true/false, yes/no, on/off, y/n (any case).
bool bool_of(const Setting& setting);

// A decimal integer in [min, max].
uint64_t integer_of(const Setting& setting, uint64_t min, uint64_t max);

struct DurationLimits {
  bool allow_zero = false;
  Seconds max = std::chrono::hours(24);
};

// A Go duration (see duration.hpp), non-negative and within `limits`. The
// resolution is one second: a fraction is rounded up, so "500ms" is 1s, not 0.
Seconds duration_of(const Setting& setting, DurationLimits limits);

}  // namespace regcache::config
