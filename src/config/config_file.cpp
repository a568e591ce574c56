#include "config/config_file.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config_error.hpp"
#include "config/config_keys.hpp"
#include "config/quote.hpp"

namespace regcache::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string read_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw ConfigError(fmt::format("{}: the configuration file is missing", file.string()));
  }
  if (ec) {
    throw ConfigError(
        fmt::format("{}: cannot read the configuration file: {}", file.string(), ec.message()));
  }
  if (std::filesystem::is_directory(status)) {
    throw ConfigError(
        fmt::format("{}: cannot read the configuration file: it is a directory", file.string()));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(fmt::format("{}: cannot read the configuration file: {}", file.string(),
                                  std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(fmt::format("{}: cannot read the configuration file: {}", file.string(),
                                  std::strerror(errno)));
  }
  return text.str();
}

class FileReader {
 public:
  FileReader(std::string source, Settings& settings)
      : source_(std::move(source)), settings_(settings) {}

  void read_top(const YAML::Node& root) {
    if (root.IsNull()) return;  // empty file: defaults
    if (!root.IsMap()) {
      throw ConfigError(fmt::format("{}: expected a mapping of keys at the top level", source_));
    }
    read_mapping(root, "");
  }

 private:
  std::string where(std::string_view path) const { return fmt::format("{}: {}", source_, path); }

  void read_mapping(const YAML::Node& mapping, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& entry : mapping) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!seen.insert(key).second) {
        settings_.warnings.push_back(
            fmt::format("{}: duplicate key (the last one wins)", where(path)));
      }
      read_entry(path, prefix, key, entry.second);
    }
  }

  void read_entry(const std::string& path, const std::string& prefix, const std::string& key,
                  const YAML::Node& node) {
    const KeySpec* spec = find_key(path);
    if (spec == nullptr) {
      if (prefix == "storage") {
        // registry:2 treats any other key under storage as the storage driver's name.
        throw ConfigError(fmt::format(
            "{}: storage driver {} is not supported by regcache yet (use storage.filesystem or storage.s3)",
            where(path), in_quotes(key)));
      }
      if (prefix == "auth" || prefix.starts_with("auth.")) {
        // An authentication section regcache cannot honour must not be ignored quietly.
        throw ConfigError(
            fmt::format("{}: not supported: regcache authenticates clients with auth.htpasswd only",
                        where(path)));
      }
      unknown(path, prefix, key);
      return;
    }
    switch (spec->kind) {
      case KeyKind::section:
        if (node.IsNull()) return;
        if (!node.IsMap()) {
          throw ConfigError(fmt::format("{}: expected a mapping of keys", where(path)));
        }
        read_mapping(node, path);
        return;
      case KeyKind::value:
      case KeyKind::structured:
        if (node.IsNull()) return;  // "key:" with nothing after it: the default
        settings_.values[path] = Setting{node, where(path)};
        return;
      case KeyKind::header_map:
        read_headers(path, node);
        return;
      case KeyKind::unused:
        settings_.warnings.push_back(fmt::format("{}: not used by regcache (ignored){}{}",
                                                 where(path), spec->note.empty() ? "" : ": ",
                                                 spec->note));
        return;
      case KeyKind::unsupported:
        if (node.IsNull()) return;
        throw ConfigError(fmt::format("{}: not supported: {}", where(path), spec->note));
    }
  }

  void read_headers(const std::string& path, const YAML::Node& node) {
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      throw ConfigError(
          fmt::format("{}: expected a mapping of header names to lists of values", where(path)));
    }
    settings_.headers.clear();  // a repeated http.headers replaces the earlier one
    for (const auto& entry : node) {
      const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      settings_.set_header(name, Setting{entry.second, where(path + "." + name)});
    }
  }

  void unknown(const std::string& path, const std::string& prefix, const std::string& key) {
    // registry:2 matches keys case-sensitively and silently drops the rest;
    // point at the likely intended key.
    std::string hint;
    const std::string lowered = lower(key);
    const std::string candidate = prefix.empty() ? lowered : prefix + "." + lowered;
    if (lowered != key && find_key(candidate) != nullptr) {
      hint = fmt::format(" (did you mean {}? keys are lower case)", in_quotes(lowered));
    }
    settings_.warnings.push_back(fmt::format("{}: unknown key (ignored){}", where(path), hint));
  }

  std::string source_;
  Settings& settings_;
};

}  // namespace

void read_config_file(const std::filesystem::path& file, Settings& settings) {
  const std::string text = read_file(file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      throw ConfigError(fmt::format("{}: invalid YAML: {}", file.string(), e.msg));
    }
    throw ConfigError(fmt::format("{}:{}:{}: invalid YAML: {}", file.string(), e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  }
  FileReader(file.string(), settings).read_top(root);
}

}  // namespace regcache::config
