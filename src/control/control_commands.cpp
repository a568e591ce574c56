#include "control/control_commands.hpp"

#include <spdlog/spdlog.h>

#include "config/upstream_list.hpp"
#include "lifecycle/usage_report.hpp"

namespace regcache::control {
namespace {

using nlohmann::json;

json objects_json(const std::vector<index::ObjectRecord>& objects) {
  json out = json::array();
  for (const auto& object : objects) {
    out.push_back({{"digest", object.digest.str()},
                   {"bytes", object.size},
                   {"media_type", object.media_type},
                   {"last_use", object.last_access}});
  }
  return out;
}

json bucket_objects_json(const std::vector<lifecycle::BucketObject>& objects) {
  json out = json::array();
  for (const auto& object : objects) {
    out.push_back({{"digest", object.digest.str()},
                   {"bytes", object.size},
                   {"last_use", object.last_access}});
  }
  return out;
}

json bucket_gc_json(const lifecycle::BucketGcReport& report) {
  return {{"complete", report.complete},
          {"objects", report.objects},
          {"roots", report.roots},
          {"reachable", report.reachable},
          {"manifests", bucket_objects_json(report.manifests)},
          {"blobs", bucket_objects_json(report.blobs)},
          {"bytes", report.bytes},
          {"recent", report.recent},
          {"skipped", report.skipped},
          {"pruned_tags", report.pruned_tags},
          {"pruned_pins", report.pruned_pins},
          {"pruned_records", report.pruned_records}};
}

json gc_json(const lifecycle::GcReport& report) {
  json out = {{"dry_run", report.dry_run},
              {"manifests", objects_json(report.manifests)},
              {"blobs", objects_json(report.blobs)},
              {"bytes", report.bytes},
              {"kept", report.kept},
              {"skipped", report.skipped},
              {"pruned_tags", report.pruned_tags},
              {"pruned_links", report.pruned_links}};
  // Only on the node collecting for a shared bucket.
  if (report.bucket) out["bucket"] = bucket_gc_json(*report.bucket);
  return out;
}

std::string text(const json& request, const char* key) {
  auto it = request.find(key);
  return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const json& request, const char* key) {
  auto it = request.find(key);
  return it != request.end() && it->is_boolean() && it->get<bool>();
}

json error(std::string message) { return {{"ok", false}, {"error", std::move(message)}}; }

// The repository as the index stores it: the upstream's own name, so Docker
// Hub's "alpine" is "library/alpine".
std::string stored_repository(const config::Config& config, const std::string& upstream,
                              const std::string& repository) {
  const auto* settings = config::find_upstream(config, upstream);
  if (settings != nullptr && settings->docker_hub_library_rule &&
      repository.find('/') == std::string::npos) {
    return "library/" + repository;
  }
  return repository;
}

// The upstream a command means when it names none: the one Docker's
// registry-mirrors requests go to, else the first configured.
std::string default_upstream(const config::Config& config) {
  if (!config.default_upstream.empty()) return config.default_upstream;
  return config.upstreams.front().name;
}

json remove(const json& request, CacheAccess& cache) {
  lifecycle::ImageSelector selector;
  selector.upstream = text(request, "upstream");
  if (selector.upstream.empty()) selector.upstream = default_upstream(cache.config);
  if (const auto* named = config::find_upstream(cache.config, selector.upstream)) {
    selector.upstream = named->name;  // an alias ("k8s") means its upstream
  }
  selector.repository =
      stored_repository(cache.config, selector.upstream, text(request, "repository"));
  selector.tag = text(request, "tag");
  if (selector.repository.empty()) return error("no repository given");
  if (auto digest = text(request, "digest"); !digest.empty()) {
    selector.digest = registry::Digest::parse(digest);
    if (!selector.digest)
      return error("invalid digest \"" + digest + "\" (expected sha256:<64 hex>)");
  }
  auto report = cache.housekeeper.remove(selector, flag(request, "dry_run"));
  if (!report.found) {
    return error("nothing cached for " + selector.upstream + "/" + selector.repository +
                 (selector.tag.empty() ? "" : ":" + selector.tag) +
                 (selector.digest ? "@" + selector.digest->str() : ""));
  }
  return {{"ok", true},
          {"result",
           {{"upstream", selector.upstream},
            {"repository", selector.repository},
            {"tags", report.tags.size()},
            {"pins", report.pins.size()},
            {"collected", gc_json(report.collected)},
            {"left_to_collector", report.left_to_collector}}}};
}

json verify(const json& request, CacheAccess& cache) {
  auto report = cache.housekeeper.verify(flag(request, "fix"));
  json bad = json::array();
  for (const auto& entry : report.bad) {
    bad.push_back({{"digest", entry.digest.str()}, {"problem", entry.problem}});
  }
  return {{"ok", true},
          {"result",
           {{"checked", report.checked},
            {"bytes", report.bytes},
            {"bad", bad},
            {"removed", report.removed},
            {"fix", flag(request, "fix")}}}};
}

}  // namespace

json execute(const json& request, CacheAccess& cache) {
  try {
    if (!request.is_object()) return error("the request must be a JSON object");
    const std::string command = text(request, "command");
    if (command == "status") return {{"ok", true}, {"result", cache.housekeeper.status()}};
    if (command == "usage") {
      size_t top = 10;
      if (auto it = request.find("top"); it != request.end() && it->is_number_unsigned()) {
        top = it->get<size_t>();
      }
      auto result = lifecycle::usage_report(cache.index.snapshot(), top);
      result["status"] = cache.housekeeper.status();
      return {{"ok", true}, {"result", result}};
    }
    if (command == "list") {
      auto repository = text(request, "repository");
      if (!repository.empty()) {
        repository = stored_repository(cache.config, default_upstream(cache.config), repository);
      }
      return {{"ok", true}, {"result", lifecycle::image_list(cache.index.snapshot(), repository)}};
    }
    if (command == "gc") {
      return {{"ok", true},
              {"result", gc_json(cache.housekeeper.collect_garbage(flag(request, "dry_run")))}};
    }
    if (command == "remove") return remove(request, cache);
    if (command == "verify") return verify(request, cache);
    return error("unknown command \"" + command + "\"");
  } catch (const std::exception& e) {
    spdlog::error("control: {}", e.what());
    return error(e.what());
  }
}

}  // namespace regcache::control
