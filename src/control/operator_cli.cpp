#include "control/operator_cli.hpp"

#include <fmt/format.h>

#include <ctime>
#include <iostream>

#include "control/control_client.hpp"
#include "control/control_commands.hpp"
#include "control/control_socket.hpp"
#include "config/byte_size.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "lifecycle/cache_lock.hpp"
#include "lifecycle/content_backend.hpp"

namespace regcache::control {
namespace {

using nlohmann::json;
constexpr int kFailed = 1;
constexpr int kConfigError = 2;

std::string when(const json& seconds) {
  if (!seconds.is_number() || seconds.get<int64_t>() <= 0) return "never";
  std::time_t t = seconds.get<int64_t>();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string bytes(const json& value) {
  return value.is_number() ? config::format_bytes(value.get<uint64_t>()) : "-";
}

// Runs `request` on the serving cache, or here on a stopped one.
json run_request(const config::Config& config, const json& request) {
  const auto data_dir = config.storage.root / "regcache" / "v1";
  if (auto online = send_to_server(control_socket_path(data_dir), request)) {
    if (!online->ok()) return {{"ok", false}, {"error", online->error()}};
    return online->value();
  }
  // Several nodes share the bucket: this node's index does not know what the
  // others reference, so only the running collector may collect there.
  const bool shared_bucket = config.storage.s3 && config.redis;
  const std::string command = request.value("command", "");
  if (shared_bucket && (command == "gc" || command == "remove") &&
      !request.value("dry_run", false)) {
    return {{"ok", false},
            {"error",
             "the bucket is shared by the nodes of redis.addr(s) and the server is not running: "
             "start it (its collector removes from the bucket), or use --dry-run"}};
  }
  auto lock = lifecycle::CacheLock::acquire(data_dir);
  if (!lock) {
    return {{"ok", false},
            {"error", lock.error() + " and its control socket does not answer (is it starting?); "
                                     "retry in a moment"}};
  }
  lifecycle::ContentBackend backend(config.storage);  // the local directory or S3
  storage::ContentStore& store = backend.store();
  index::CacheIndex index(backend.data_dir() / "index.sqlite");
  SystemClock clock;
  lifecycle::Housekeeper housekeeper(config, backend.data_dir(), store, index, nullptr, clock);
  CacheAccess access{config, index, housekeeper};
  return execute(request, access);
}

void print_status(const json& s) {
  std::cout << fmt::format("cache: {} in {} objects\n", bytes(s["cache"]["bytes"]),
                           s["cache"]["objects"].get<uint64_t>());
  if (s.contains("filesystem")) {
    std::cout << fmt::format("filesystem: {} free of {}; keeping {} free\n",
                             bytes(s["filesystem"]["free"]), bytes(s["filesystem"]["total"]),
                             bytes(s["min_free_space"]));
  }
  if (s.contains("budget")) {
    if (s["budget"]["bytes"].is_null()) {
      std::cout << "budget: none (set regcache.max_size or regcache.min_free_space)\n";
    } else {
      std::cout << fmt::format(
          "budget: {} (evicts above {}%, down to {}%)\n", bytes(s["budget"]["bytes"]),
          s["budget"]["high_watermark"].get<int>(), s["budget"]["low_watermark"].get<int>());
    }
  }
  std::cout << fmt::format("ttl: {}; gc every {}\n", s["ttl"].get<std::string>(),
                           s["gc_interval"].get<std::string>());
  if (s.contains("storage")) {
    const auto& st = s["storage"];
    std::cout << (st["caching"].get<bool>()
                      ? std::string("caching: yes\n")
                      : fmt::format("caching: PAUSED since {}: {}\n", when(st["since"]),
                                    st["reason"].get<std::string>()));
    std::cout << fmt::format("downloads in progress: {}\n", s["downloads"].get<uint64_t>());
  } else {
    std::cout << "server: not running\n";
  }
}

void print_usage(const json& u) {
  const auto& t = u["total"];
  std::cout << fmt::format("total: {} in {} objects ({} manifests, {} blobs); last use {}\n",
                           bytes(t["bytes"]), t["objects"].get<uint64_t>(),
                           t["manifests"].get<uint64_t>(), t["blobs"].get<uint64_t>(),
                           when(t["last_use"]));
  for (const auto& up : u["upstreams"]) {
    std::cout << fmt::format("upstream {}: {} in {} objects; last use {}\n",
                             up["upstream"].get<std::string>(), bytes(up["bytes"]),
                             up["objects"].get<uint64_t>(), when(up["last_use"]));
  }
  std::cout << fmt::format("\n{:>10}  {:>7}  {:19}  {}\n", "SIZE", "OBJECTS", "LAST USE",
                           "REPOSITORY");
  for (const auto& r : u["repositories"]) {
    std::cout << fmt::format("{:>10}  {:>7}  {:19}  {}/{}\n", bytes(r["bytes"]),
                             r["objects"].get<uint64_t>(), when(r["last_use"]),
                             r["upstream"].get<std::string>(), r["repository"].get<std::string>());
  }
  std::cout << fmt::format("\n{:>10}  {:19}  {}\n", "SIZE", "LAST USE", "TOP IMAGES");
  for (const auto& i : u["top_images"]) {
    std::cout << fmt::format("{:>10}  {:19}  {}/{}:{}\n", bytes(i["bytes"]), when(i["last_use"]),
                             i["upstream"].get<std::string>(), i["repository"].get<std::string>(),
                             i["tag"].get<std::string>());
  }
  std::cout << "\n";
  print_status(u["status"]);
}

void print_list(const json& list) {
  std::cout << fmt::format("{:>10}  {:19}  {:71}  {}\n", "SIZE", "LAST USE", "DIGEST", "IMAGE");
  for (const auto& i : list) {
    auto name = i["upstream"].get<std::string>() + "/" + i["repository"].get<std::string>();
    auto tag = i["tag"].get<std::string>();
    std::cout << fmt::format("{:>10}  {:19}  {:71}  {}{}\n",
                             i["cached"].get<bool>() ? bytes(i["bytes"]) : "not cached",
                             when(i["last_use"]), i["digest"].get<std::string>(), name,
                             tag.empty() ? " (by digest)" : ":" + tag);
  }
}

// The shared bucket's part (this node is its collector).
void print_bucket_gc(const json& b, bool dry, bool quiet) {
  const char* verb = dry ? "would remove" : "removed";
  if (!quiet) {
    for (const auto* kind : {"manifests", "blobs"}) {
      for (const auto& o : b[kind]) {
        std::cout << fmt::format("bucket: {} {} {} ({})\n", verb,
                                 std::string(kind) == "blobs" ? "blob" : "manifest",
                                 o["digest"].get<std::string>(), bytes(o["bytes"]));
      }
    }
  }
  std::cout << fmt::format(
      "bucket: {} {} manifest(s) and {} blob(s), {}; {} of {} object(s) reachable from {} tag(s) "
      "or pin(s); {} unreachable kept (used within gc_grace), {} being fetched\n",
      verb, b["manifests"].size(), b["blobs"].size(), bytes(b["bytes"]),
      b["reachable"].get<uint64_t>(), b["objects"].get<uint64_t>(), b["roots"].get<uint64_t>(),
      b["recent"].get<uint64_t>(), b["skipped"].get<uint64_t>());
  const auto pruned = b["pruned_tags"].get<uint64_t>() + b["pruned_pins"].get<uint64_t>() +
                      b["pruned_records"].get<uint64_t>();
  if (pruned > 0) {
    std::cout << fmt::format(
        "bucket: {} {} tag record(s), {} pin(s) and {} media type record(s) of manifests no "
        "longer in the bucket\n",
        dry ? "would prune" : "pruned", b["pruned_tags"].get<uint64_t>(),
        b["pruned_pins"].get<uint64_t>(), b["pruned_records"].get<uint64_t>());
  }
  if (!b["complete"].get<bool>()) {
    std::cout << "bucket: stopped early (see the server log); the next run goes on\n";
  }
}

void print_gc(const json& g, bool quiet) {
  const bool dry = g["dry_run"].get<bool>();
  if (!quiet) {
    for (const auto& m : g["manifests"]) {
      std::cout << fmt::format("{} manifest {} ({})\n", dry ? "would remove" : "removed",
                               m["digest"].get<std::string>(), bytes(m["bytes"]));
    }
    for (const auto& b : g["blobs"]) {
      std::cout << fmt::format("{} blob {} ({})\n", dry ? "would remove" : "removed",
                               b["digest"].get<std::string>(), bytes(b["bytes"]));
    }
  }
  std::cout << fmt::format("{} {} manifest(s) and {} blob(s), {}; {} object(s) kept\n",
                           dry ? "would remove" : "removed", g["manifests"].size(),
                           g["blobs"].size(), bytes(g["bytes"]), g["kept"].get<uint64_t>());
  if (g["skipped"].get<uint64_t>() > 0) {
    std::cout << fmt::format("{} candidate(s) left alone: being downloaded or referenced again\n",
                             g["skipped"].get<uint64_t>());
  }
  if (g.contains("bucket")) print_bucket_gc(g["bucket"], dry, quiet);
}

void print_verify(const json& v) {
  for (const auto& b : v["bad"]) {
    std::cout << fmt::format("BAD {}: {}\n", b["digest"].get<std::string>(),
                             b["problem"].get<std::string>());
  }
  std::cout << fmt::format("checked {} objects ({}): {} bad", v["checked"].get<uint64_t>(),
                           bytes(v["bytes"]), v["bad"].size());
  if (v["fix"].get<bool>()) std::cout << fmt::format(", {} removed", v["removed"].get<uint64_t>());
  std::cout << "\n";
}

}  // namespace

CLI::App* OperatorCli::add(CLI::App& cli, const std::string& name, const std::string& help) {
  auto* sub = cli.add_subcommand(name, help);
  sub->add_option("--config,-c", common_.config,
                  "registry:2 style config.yml (default: REGISTRY_CONFIGURATION_PATH or defaults)");
  sub->add_flag("--json", common_.json, "print the answer as JSON");
  return sub;
}

OperatorCli::OperatorCli(CLI::App& cli) {
  status_ = add(cli, "status", "Show the cache's budget, free space and caching state");
  usage_ = add(cli, "usage", "Show disk usage: total, per upstream, per repository, top images");
  usage_->add_option("--top", top_, "how many of the largest images to show")
      ->check(CLI::Range(1, 100000));
  list_ = add(cli, "list", "List cached images (tags and pinned digests)");
  list_->add_option("repository", repository_, "only this repository");
  remove_ = add(cli, "remove", "Remove an image (REPO:TAG or REPO@DIGEST) or a whole repository");
  remove_->add_option("image", image_, "REPO, REPO:TAG or REPO@DIGEST")->required();
  remove_->add_option("--upstream", upstream_, "upstream name (default: the configured one)");
  remove_->add_flag("--dry-run,-d", dry_run_, "only say what would be removed");
  gc_ = add(cli, "gc", "Collect garbage now (content no cached tag or pinned digest needs)");
  gc_->add_flag("--dry-run,-d", dry_run_, "only say what would be removed");
  verify_ = add(cli, "verify", "Check every cached file against its digest");
  verify_->add_flag("--fix", fix_, "remove bad files (they are fetched again when next pulled)");
  registry_gc_ = cli.add_subcommand(
      "garbage-collect", "registry:2's garbage-collect: runs regcache's online collection");
  registry_gc_->add_option("config", common_.config, "config.yml")->required();
  registry_gc_->add_flag("--dry-run,-d", dry_run_, "only say what would be removed");
  registry_gc_->add_flag("--delete-untagged,-m", delete_untagged_,
                         "accepted for compatibility: regcache always collects untagged manifests");
  registry_gc_->add_flag("--quiet,-q", quiet_, "print the summary only");
}

std::optional<int> OperatorCli::run() {
  json request;
  if (status_->parsed()) {
    request = {{"command", "status"}};
  } else if (usage_->parsed()) {
    request = {{"command", "usage"}, {"top", top_}};
  } else if (list_->parsed()) {
    request = {{"command", "list"}, {"repository", repository_}};
  } else if (remove_->parsed()) {
    request = {{"command", "remove"}, {"upstream", upstream_}, {"dry_run", dry_run_}};
    auto at = image_.find('@');
    auto slash = image_.rfind('/');
    auto colon = image_.rfind(':');
    if (at != std::string::npos) {
      request["repository"] = image_.substr(0, at);
      request["digest"] = image_.substr(at + 1);
    } else if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
      request["repository"] = image_.substr(0, colon);
      request["tag"] = image_.substr(colon + 1);
    } else {
      request["repository"] = image_;
    }
  } else if (gc_->parsed() || registry_gc_->parsed()) {
    request = {{"command", "gc"}, {"dry_run", dry_run_}};
  } else if (verify_->parsed()) {
    request = {{"command", "verify"}, {"fix", fix_}};
  } else {
    return std::nullopt;
  }

  config::Config config;
  try {
    auto env = config::process_environment();
    std::optional<std::filesystem::path> file;
    if (!common_.config.empty()) {
      file = common_.config;
    } else {
      file = config::configuration_path_from_environment(env);
    }
    config = config::load_config(file, env);
  } catch (const config::ConfigError& e) {
    std::cerr << "regcache: configuration error: " << e.what() << "\n";
    return kConfigError;
  }

  json answer;
  try {
    answer = run_request(config, request);
  } catch (const std::exception& e) {
    std::cerr << "regcache: " << e.what() << "\n";
    return kFailed;
  }
  if (!answer.value("ok", false)) {
    std::cerr << "regcache: " << answer.value("error", std::string("failed")) << "\n";
    return kFailed;
  }
  const auto& result = answer["result"];
  if (common_.json) {
    std::cout << result.dump(2) << "\n";
  } else if (status_->parsed()) {
    print_status(result);
  } else if (usage_->parsed()) {
    print_usage(result);
  } else if (list_->parsed()) {
    print_list(result);
  } else if (remove_->parsed()) {
    std::cout << fmt::format(
        "{}/{}: {} tag(s) and {} pinned digest(s) {}\n", result["upstream"].get<std::string>(),
        result["repository"].get<std::string>(), result["tags"].get<uint64_t>(),
        result["pins"].get<uint64_t>(), dry_run_ ? "would be dropped" : "dropped");
    print_gc(result["collected"], false);
    if (result.value("left_to_collector", false)) {
      std::cout << "shared bucket: dropped from this node's index and the nodes' shared tags and "
                   "pins; the collector removes from the bucket what no tag or pin reaches any "
                   "more at its next garbage collection (gc_interval, after gc_grace)\n";
    }
  } else if (gc_->parsed() || registry_gc_->parsed()) {
    print_gc(result, quiet_);
  } else if (verify_->parsed()) {
    print_verify(result);
  }
  if (verify_->parsed() && !fix_ && !result["bad"].empty()) return kFailed;
  return 0;
}

}  // namespace regcache::control
