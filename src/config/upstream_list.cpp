#include "config/upstream_list.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "config/config_error.hpp"
#include "config/egress_proxy.hpp"
#include "config/filesystem_checks.hpp"
#include "config/known_registries.hpp"
#include "config/quote.hpp"
#include "config/registry_name.hpp"
#include "config/remote_url.hpp"
#include "config/url.hpp"

namespace regcache::config {
namespace {

// Same bound as proxy.ttl and regcache.tag_revalidate (config_loader.cpp).
constexpr Seconds kMaxExpiry = std::chrono::hours(24 * 365 * 100);

constexpr std::array<std::string_view, 12> kEntryKeys{
    "name",       "remoteurl",   "username", "password", "ttl",     "tag_revalidate",
    "http_proxy", "https_proxy", "no_proxy", "ca_file",  "aliases", "hosts"};

constexpr std::string_view kNoneKeyword = "none";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Applies the built-in facts about a known public registry: its other names.
void add_known_aliases(UpstreamConfig& upstream) {
  if (const KnownRegistry* known = find_known_registry(upstream.name);
      known != nullptr && known->name == upstream.name) {
    for (std::string_view alias : known->aliases) upstream.aliases.emplace_back(alias);
  }
}

// Every name and alias must select one upstream; remembers who claimed what.
class NameRegistry {
 public:
  void claim(const std::string& name, const std::string& owner, const std::string& where) {
    const auto [it, added] = owners_.emplace(name, owner);
    if (!added) {
      throw ConfigError(
          fmt::format("{}: {} already selects upstream {}; each name and alias must "
                      "select one upstream",
                      where, in_quotes(name), it->second));
    }
  }

 private:
  std::map<std::string, std::string> owners_;
};

class EntryReader {
 public:
  EntryReader(const UpstreamConfig& defaults, std::vector<std::string>& warnings)
      : defaults_(defaults), warnings_(warnings) {}

  // `where` is "<source>: regcache.upstreams[<i>]".
  UpstreamConfig read(const YAML::Node& node, const std::string& where) {
    std::map<std::string, Setting, std::less<>> values;
    if (node.IsScalar()) {
      values.emplace("name", Setting{node, where});
    } else if (node.IsMap()) {
      collect(node, where, values);
    } else {
      throw ConfigError(fmt::format(
          "{}: expected a registry name (ghcr.io) or a mapping with at least `name`", where));
    }
    const auto find = [&](std::string_view key) -> const Setting* {
      const auto it = values.find(key);
      return it == values.end() ? nullptr : &it->second;
    };

    UpstreamConfig upstream;
    upstream.egress = defaults_.egress;
    upstream.trust = defaults_.trust;
    upstream.tag_revalidate = defaults_.tag_revalidate;

    const Setting* name = find("name");
    if (name == nullptr) throw ConfigError(fmt::format("{}: name is missing", where));
    upstream.name = registry_name(*name);

    const KnownRegistry* known = find_known_registry(upstream.name);
    if (known != nullptr && known->name != upstream.name) {
      reject(*name, fmt::format("{} is another name of {}; write name: {}",
                                in_quotes(upstream.name), known->name, known->name));
    }
    if (const Setting* s = find("remoteurl")) {
      const std::string text = text_of(*s);
      auto url = parse_remote_url(text);
      if (!url) {
        reject(*s, fmt::format("invalid URL {}: {}", in_quotes(redact_url(text)), url.error()));
      }
      upstream.remote_url = url->url;
      upstream.docker_hub_library_rule = url->docker_hub || upstream.name == "docker.io";
    } else {
      upstream.remote_url =
          known != nullptr ? std::string(known->remote_url) : "https://" + upstream.name;
      upstream.docker_hub_library_rule = known != nullptr && known->docker_hub_library_rule;
    }

    read_credentials(find("username"), find("password"), upstream);
    if (const Setting* s = find("ttl")) {
      upstream.ttl = duration_of(*s, {.allow_zero = true, .max = kMaxExpiry});
    }
    if (const Setting* s = find("tag_revalidate")) {
      upstream.tag_revalidate = duration_of(*s, {.allow_zero = true, .max = kMaxExpiry});
    }
    if (const Setting* s = find("http_proxy")) upstream.egress.http_proxy = proxy_url(*s);
    if (const Setting* s = find("https_proxy")) upstream.egress.https_proxy = proxy_url(*s);
    if (const Setting* s = find("no_proxy")) upstream.egress.no_proxy = text_of(*s);
    if (const Setting* s = find("ca_file")) {
      const std::string file = text_of(*s);
      if (file.empty()) reject(*s, "must not be empty (leave ca_file out to use the system's CAs)");
      if (auto readable = check_readable_file(file); !readable) reject(*s, readable.error());
      upstream.trust.ca_file = file;
    }
    if (const Setting* s = find("aliases")) upstream.aliases = names(*s);
    add_known_aliases(upstream);
    if (const Setting* s = find("hosts")) upstream.hosts = names(*s);
    return upstream;
  }

 private:
  void collect(const YAML::Node& node, const std::string& where,
               std::map<std::string, Setting, std::less<>>& values) {
    for (const auto& entry : node) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      const std::string key_where = fmt::format("{}.{}", where, key);
      if (std::find(kEntryKeys.begin(), kEntryKeys.end(), key) == kEntryKeys.end()) {
        // An ignored key here would quietly send requests elsewhere (a mistyped
        // remoteurl) or pull anonymously (a mistyped password): refuse it.
        const std::string lowered = lower(key);
        const bool case_only =
            std::find(kEntryKeys.begin(), kEntryKeys.end(), lowered) != kEntryKeys.end();
        throw ConfigError(fmt::format(
            "{}: unknown key{} (an upstream takes name, remoteurl, username, password, ttl, "
            "tag_revalidate, http_proxy, https_proxy, no_proxy, ca_file, aliases, hosts)",
            key_where,
            case_only ? fmt::format(" (did you mean {}? keys are lower case)", in_quotes(lowered))
                      : ""));
      }
      if (values.contains(key)) {
        warnings_.push_back(fmt::format("{}: duplicate key (the last one wins)", key_where));
      }
      if (entry.second.IsNull()) {
        values.erase(key);  // "key:" with nothing after it: the default
        continue;
      }
      values.insert_or_assign(key, Setting{entry.second, key_where});
    }
  }

  static std::string registry_name(const Setting& setting) {
    const std::string text = text_of(setting);
    auto name = parse_registry_name(text);
    if (!name) reject(setting, fmt::format("invalid name {}: {}", in_quotes(text), name.error()));
    if (*name == kNoneKeyword) {
      reject(setting, "\"none\" is reserved (regcache.default_upstream: none means no default)");
    }
    return std::move(*name);
  }

  // One name or a list of names (aliases, hosts).
  static std::vector<std::string> names(const Setting& setting) {
    std::vector<std::string> out;
    const auto add = [&](const YAML::Node& node, const std::string& where) {
      out.push_back(registry_name(Setting{node, where}));
    };
    if (setting.value.IsSequence()) {
      for (std::size_t i = 0; i < setting.value.size(); ++i) {
        add(setting.value[i], fmt::format("{}[{}]", setting.where, i));
      }
    } else {
      add(setting.value, setting.where);
    }
    return out;
  }

  static std::string proxy_url(const Setting& setting) {
    const std::string text = text_of(setting);
    if (text.empty()) return {};  // explicitly direct, whatever HTTP(S)_PROXY say
    auto url = normalize_proxy_url(text);
    if (!url) {
      reject(setting,
             fmt::format("invalid proxy URL {}: {}", in_quotes(redact_url(text)), url.error()));
    }
    return std::move(*url);
  }

  void read_credentials(const Setting* username, const Setting* password,
                        UpstreamConfig& upstream) {
    if (username != nullptr) upstream.username = text_of(*username);
    if (password != nullptr) upstream.password = text_of(*password);
    if (username != nullptr && !upstream.username.empty() && upstream.password.empty()) {
      warnings_.push_back(
          fmt::format("{}: password is empty; the upstream will likely refuse these credentials",
                      username->where));
    }
    if (password != nullptr && upstream.username.empty() && !upstream.password.empty()) {
      warnings_.push_back(fmt::format("{}: ignored because username is empty (pulling anonymously)",
                                      password->where));
    }
    if (!upstream.username.empty() && upstream.remote_url.starts_with("http://")) {
      warnings_.push_back(fmt::format(
          "{}: credentials will be sent to the upstream without TLS (http://)", username->where));
    }
  }

  const UpstreamConfig& defaults_;
  std::vector<std::string>& warnings_;
};

std::string names_of(const std::vector<UpstreamConfig>& upstreams) {
  std::string out;
  for (const auto& upstream : upstreams) out += (out.empty() ? "" : ", ") + upstream.name;
  return out;
}

void claim_all(const UpstreamConfig& upstream, const std::string& where, NameRegistry& names) {
  names.claim(upstream.name, upstream.name, where);
  for (const auto& alias : upstream.aliases) names.claim(alias, upstream.name, where + ".aliases");
}

}  // namespace

const UpstreamConfig* find_upstream(const Config& config, std::string_view name) {
  for (const auto& upstream : config.upstreams) {
    if (upstream.name == name || std::find(upstream.aliases.begin(), upstream.aliases.end(),
                                           name) != upstream.aliases.end()) {
      return &upstream;
    }
  }
  return nullptr;
}

void read_upstreams(const Settings& settings, const UpstreamConfig& proxy_upstream, Config& config,
                    std::vector<std::string>& warnings) {
  const Setting* list = settings.find("regcache.upstreams");
  if (list != nullptr && list->value.IsNull()) list = nullptr;
  const bool proxy_names_upstream = settings.find("proxy.remoteurl") != nullptr || list == nullptr;

  config.upstreams.clear();
  NameRegistry names;
  if (proxy_names_upstream) {
    UpstreamConfig upstream = proxy_upstream;
    upstream.aliases.clear();
    add_known_aliases(upstream);
    const Setting* remote = settings.find("proxy.remoteurl");
    claim_all(upstream,
              remote != nullptr ? remote->where : std::string("proxy.remoteurl (default)"), names);
    config.upstreams.push_back(std::move(upstream));
  } else {
    for (const char* key : {"proxy.username", "proxy.password", "proxy.ttl"}) {
      if (const Setting* s = settings.find(key)) {
        reject(*s,
               "proxy.remoteurl is not set, so the proxy: section names no upstream and this "
               "would be ignored; set proxy.remoteurl, or give the upstream's username, password "
               "and ttl in its regcache.upstreams entry");
      }
    }
  }

  if (list != nullptr) {
    if (!list->value.IsSequence()) {
      reject(*list,
             "expected a list of upstreams, e.g. [ghcr.io, {name: quay.io, username: u, "
             "password: p}]");
    }
    EntryReader reader(proxy_upstream, warnings);
    std::set<std::string> hosts;
    for (std::size_t i = 0; i < list->value.size(); ++i) {
      const std::string where = fmt::format("{}[{}]", list->where, i);
      UpstreamConfig upstream = reader.read(list->value[i], where);
      if (proxy_names_upstream && config.upstreams.front().name == upstream.name) {
        throw ConfigError(
            fmt::format("{}: {} is already the upstream of the proxy: section; configure it in one "
                        "place (remove proxy.remoteurl, or this entry)",
                        where, upstream.name));
      }
      claim_all(upstream, where, names);
      for (const auto& host : upstream.hosts) {
        if (!hosts.insert(host).second) {
          throw ConfigError(fmt::format("{}.hosts: {} is already the host name of another upstream",
                                        where, in_quotes(host)));
        }
      }
      config.upstreams.push_back(std::move(upstream));
    }
    if (config.upstreams.empty()) {
      reject(*list,
             "the list is empty and proxy.remoteurl is not set: there is no upstream "
             "to mirror");
    }
  }

  if (const Setting* s = settings.find("regcache.default_upstream")) {
    const std::string text = lower(text_of(*s));
    if (text.empty() || text == kNoneKeyword) {
      config.default_upstream.clear();
    } else if (const UpstreamConfig* upstream = find_upstream(config, text)) {
      config.default_upstream = upstream->name;
    } else {
      reject(*s, fmt::format("{} is not a configured upstream (configured: {}; or none)",
                             in_quotes(text), names_of(config.upstreams)));
    }
  } else if (proxy_names_upstream) {
    config.default_upstream = config.upstreams.front().name;
  } else if (find_upstream(config, "docker.io") != nullptr) {
    config.default_upstream = "docker.io";
  } else {
    config.default_upstream.clear();
  }
}

}  // namespace regcache::config
