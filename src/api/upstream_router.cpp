#include "api/upstream_router.hpp"

#include <cctype>

namespace regcache::api {
namespace {

using registry::ErrorCode;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Client-supplied text in an error message: bounded.
std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 100;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

cache::CacheError not_mirrored(std::string_view registry) {
  return {ErrorCode::name_unknown, "registry " + shown(registry) + " is not mirrored here",
          std::nullopt};
}

// Docker's rule: a first component with '.' or ':' is a registry host, not a
// namespace (Docker Hub namespaces never contain either).
bool looks_like_registry(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos;
}

}  // namespace

UpstreamRouter::UpstreamRouter(std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams,
                               std::string default_upstream)
    : upstreams_(std::move(upstreams)) {
  for (const auto& client : upstreams_) {
    const auto& config = client->upstream();
    names_.emplace(config.name, client.get());
    for (const auto& alias : config.aliases) names_.emplace(alias, client.get());
    for (const auto& host : config.hosts) hosts_.emplace(host, client.get());
  }
  if (!default_upstream.empty()) default_ = by_name(default_upstream);
}

upstream::UpstreamRegistry* UpstreamRouter::by_name(std::string_view name) const {
  const auto it = names_.find(name);
  return it == names_.end() ? nullptr : it->second;
}

upstream::UpstreamRegistry* UpstreamRouter::by_host(std::string_view host) const {
  if (host.empty() || hosts_.empty()) return nullptr;
  const std::string key = lower(host);
  if (const auto it = hosts_.find(key); it != hosts_.end()) return it->second;
  // "ghcr.mirror.example.com:5000" matches a configured "ghcr.mirror.example.com".
  const auto colon = key.rfind(':');
  if (colon == std::string::npos || key.find(']') != std::string::npos) return nullptr;
  const auto it = hosts_.find(std::string_view(key).substr(0, colon));
  return it == hosts_.end() ? nullptr : it->second;
}

Result<RoutedRepository, cache::CacheError> UpstreamRouter::route(std::string_view repository,
                                                                  const RouteHints& hints) const {
  std::string_view first;
  std::string_view rest;
  if (const auto slash = repository.find('/'); slash != std::string_view::npos) {
    first = repository.substr(0, slash);
    rest = repository.substr(slash + 1);
  }
  upstream::UpstreamRegistry* prefix = first.empty() ? nullptr : by_name(first);

  upstream::UpstreamRegistry* chosen = nullptr;
  std::string_view name = repository;
  const bool registry_like = looks_like_registry(first);
  if (!hints.ns.empty()) {
    chosen = by_name(lower(hints.ns));
    if (chosen == nullptr) return fail(not_mirrored(hints.ns));
    // containerd with override_path puts the registry in the host path too. A
    // short alias ("k8s") is left alone here: with ns, it may be a namespace.
    if (prefix == chosen && (registry_like || first == chosen->upstream().name)) {
      name = rest;
    } else if (prefix != nullptr && prefix != chosen && registry_like) {
      return fail(cache::CacheError{ErrorCode::name_invalid,
                                    "the path names registry " + std::string(first) +
                                        " but the ns parameter names " + shown(hints.ns),
                                    std::nullopt});
    }
  } else if (prefix != nullptr) {
    chosen = prefix;
    name = rest;
  } else if (registry_like) {
    return fail(not_mirrored(first));
  } else if (auto* by_host_header = by_host(hints.host)) {
    chosen = by_host_header;
  } else if (default_ != nullptr) {
    chosen = default_;
  } else {
    return fail(cache::CacheError{ErrorCode::name_unknown,
                                  "this mirror has no default registry: name one in the path, "
                                  "e.g. /v2/<registry>/<repository>/manifests/<tag>",
                                  std::nullopt});
  }

  RoutedRepository routed{chosen, std::string(name)};
  if (chosen->upstream().docker_hub_library_rule && name.find('/') == std::string_view::npos) {
    routed.repository = "library/" + routed.repository;
  }
  return routed;
}

}  // namespace regcache::api
