#include "registry/manifest_references.hpp"

#include <nlohmann/json.hpp>

namespace regcache::registry {

std::vector<Digest> manifest_references(std::string_view body) {
  std::vector<Digest> out;
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return out;
  auto add = [&](const nlohmann::json& descriptor) {
    if (!descriptor.is_object()) return;
    auto d = descriptor.find("digest");
    if (d == descriptor.end() || !d->is_string()) return;
    if (auto digest = Digest::parse(d->get<std::string>())) out.push_back(*digest);
  };
  if (auto config = json.find("config"); config != json.end()) add(*config);
  for (const char* list : {"layers", "manifests", "blobs"}) {
    auto it = json.find(list);
    if (it == json.end() || !it->is_array()) continue;
    for (const auto& descriptor : *it) add(descriptor);
  }
  return out;
}

std::vector<Digest> child_manifests(std::string_view body) {
  std::vector<Digest> out;
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return out;
  auto it = json.find("manifests");
  if (it == json.end() || !it->is_array()) return out;
  for (const auto& descriptor : *it) {
    if (!descriptor.is_object()) continue;
    auto d = descriptor.find("digest");
    if (d == descriptor.end() || !d->is_string()) continue;
    if (auto digest = Digest::parse(d->get<std::string>())) out.push_back(*digest);
  }
  return out;
}

}  // namespace regcache::registry
