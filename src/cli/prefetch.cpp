#include "cli/prefetch.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/image_reference.hpp"
#include "cli/mirror_client.hpp"
#include "cli/progress_display.hpp"
#include "ops/status_page.hpp"
#include "upstream/response_head.hpp"

namespace regcache::cli {
namespace {

using nlohmann::json;

// The registry's own words for a failed answer ("errors":[{"message":...}]).
std::string describe(const MirrorResponse& r) {
  if (!r.error.empty()) return "cannot reach the mirror: " + r.error;
  std::string text = fmt::format("HTTP {}", r.head.status());
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
      !body["errors"].empty() && body["errors"][0].is_object()) {
    const auto& e = body["errors"][0];
    if (e.contains("code") && e["code"].is_string()) text += " " + e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) {
      text += ": " + e["message"].get<std::string>();
    }
  }
  return text;
}

std::string string_field(const json& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class Prefetcher {
 public:
  Prefetcher(const PrefetchOptions& options, ProgressDisplay& display)
      : options_(options), display_(display) {}

  PrefetchSummary run() {
    const auto started = std::chrono::steady_clock::now();
    for (const auto& text : options_.images) {
      Image image;
      image.text = text;
      image.started = started;
      auto parsed = parse_image_reference(text);
      if (!parsed) {
        image.failed = true;
        image.error = parsed.error();
        images_.push_back(std::move(image));
        finish_image(images_.size() - 1);
        continue;
      }
      image.ref = std::move(parsed.value());
      image.pending = 1;
      images_.push_back(std::move(image));
      queue_.push_back(
          {Task::Kind::manifest, images_.size() - 1, images_.back().ref.reference, true});
    }
    const unsigned workers = std::max(1u, options_.concurrency);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    display_.finish();
    summary_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary_;
  }

 private:
  struct Task {
    enum class Kind { manifest, blob } kind;
    size_t image;
    std::string reference;  // tag or digest
    bool top_level = false;
  };
  struct Image {
    std::string text;
    ImageReference ref;
    size_t pending = 0;
    bool failed = false;
    bool done = false;
    std::string error;
    size_t platforms = 0;
    size_t blobs_fetched = 0;
    size_t blobs_cached = 0;
    uint64_t bytes = 0;
    std::chrono::steady_clock::time_point started;
  };

  void work() {
    MirrorClient client(options_.mirror_url, options_.stall_timeout);
    while (true) {
      Task task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return !queue_.empty() || busy_ == 0; });
        if (queue_.empty()) return;  // nothing queued and nobody can queue more
        task = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      if (task.kind == Task::Kind::manifest) {
        do_manifest(client, task);
      } else {
        do_blob(client, task);
      }
      std::lock_guard lock(mutex_);
      --busy_;
      Image& image = images_[task.image];
      if (--image.pending == 0) finish_image(task.image);
      cv_.notify_all();
    }
  }

  // mutex_ held.
  void fail(size_t index, std::string error) {
    Image& image = images_[index];
    if (!image.failed) {
      image.failed = true;
      image.error = std::move(error);
    }
  }

  // mutex_ held.
  void enqueue(Task task) {
    images_[task.image].pending += 1;
    queue_.push_back(std::move(task));
  }

  // mutex_ held.
  void finish_image(size_t index) {
    Image& image = images_[index];
    image.done = true;
    ++images_done_;
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - image.started).count();
    if (image.failed) {
      ++summary_.images_failed;
      display_.line(fmt::format("FAIL {}: {}", image.text, image.error));
    } else {
      ++summary_.images_ok;
      display_.line(fmt::format(
          "ok   {}: {} platform{}, {} blobs ({} fetched, {} already cached), {} in {:.1f} s",
          image.ref.text(), image.platforms, image.platforms == 1 ? "" : "s",
          image.blobs_fetched + image.blobs_cached, image.blobs_fetched, image.blobs_cached,
          ops::format_bytes(double(image.bytes)), took));
    }
  }

  void progress() {
    size_t done, known;
    uint64_t bytes;
    size_t images_done;
    {
      std::lock_guard lock(mutex_);
      done = blobs_done_;
      known = blobs_known_;
      bytes = summary_.bytes_fetched;
      images_done = images_done_;
    }
    display_.update(images_done, images_.size(), done, known, bytes);
  }

  void do_manifest(MirrorClient& client, const Task& task) {
    ImageReference ref;
    {
      std::lock_guard lock(mutex_);
      ref = images_[task.image].ref;
    }
    ImageReference at = ref;
    at.reference = task.reference;
    auto response = client.get(at.manifest_path(), {kManifestAcceptHeader});
    std::lock_guard lock(mutex_);
    if (!response.ok() || response.head.status() != 200) {
      fail(task.image, fmt::format("manifest {}: {}", task.reference, describe(response)));
      return;
    }
    auto manifest = json::parse(response.body, nullptr, false);
    if (!manifest.is_object()) {
      fail(task.image, fmt::format("manifest {}: not JSON", task.reference));
      return;
    }
    if (manifest.contains("manifests") && manifest["manifests"].is_array()) {
      size_t chosen = 0;
      for (const auto& entry : manifest["manifests"]) {
        const std::string digest = string_field(entry, "digest");
        if (digest.empty()) continue;
        Platform platform;
        if (entry.contains("platform")) {
          platform.os = string_field(entry["platform"], "os");
          platform.architecture = string_field(entry["platform"], "architecture");
          platform.variant = string_field(entry["platform"], "variant");
        }
        if (!platform_matches(options_.platforms, platform)) continue;
        ++chosen;
        enqueue({Task::Kind::manifest, task.image, digest, false});
      }
      images_[task.image].platforms += chosen;
      if (chosen == 0) {
        std::string wanted;
        for (const auto& p : options_.platforms) wanted += (wanted.empty() ? "" : ", ") + p.text();
        fail(task.image, "no platform of the index matches " + wanted);
      }
      return;
    }
    if (task.top_level) images_[task.image].platforms += 1;
    std::vector<std::string> blobs;
    if (manifest.contains("config")) blobs.push_back(string_field(manifest["config"], "digest"));
    if (manifest.contains("layers") && manifest["layers"].is_array()) {
      for (const auto& layer : manifest["layers"]) blobs.push_back(string_field(layer, "digest"));
    }
    for (auto& digest : blobs) {
      if (digest.empty()) continue;
      if (!seen_blobs_.insert(ref.registry + "/" + ref.repository + "@" + digest).second) continue;
      ++blobs_known_;
      enqueue({Task::Kind::blob, task.image, std::move(digest), false});
    }
  }

  void do_blob(MirrorClient& client, const Task& task) {
    ImageReference ref;
    {
      std::lock_guard lock(mutex_);
      ref = images_[task.image].ref;
    }
    const std::string path = ref.blob_path(task.reference);
    auto head = client.head(path);
    if (head.ok() && head.head.status() == 200 && head.head.get("x-cache") == "hit") {
      {
        std::lock_guard lock(mutex_);
        ++images_[task.image].blobs_cached;
        ++summary_.blobs_cached;
        ++blobs_done_;
      }
      progress();
      return;
    }
    auto got = client.get(path, {}, false, [this](uint64_t n) {
      {
        std::lock_guard lock(mutex_);
        summary_.bytes_fetched += n;
      }
      progress();
    });
    std::lock_guard lock(mutex_);
    ++blobs_done_;
    Image& image = images_[task.image];
    image.bytes += got.body_bytes;
    const auto length = upstream::parse_decimal(got.head.get("content-length").value_or(""));
    if (!got.ok() || got.head.status() != 200) {
      fail(task.image, fmt::format("blob {}: {}", task.reference, describe(got)));
      return;
    }
    if (length && *length != got.body_bytes) {
      fail(task.image, fmt::format("blob {}: the mirror sent {} of {} bytes", task.reference,
                                   got.body_bytes, *length));
      return;
    }
    ++image.blobs_fetched;
    ++summary_.blobs_fetched;
  }

  const PrefetchOptions& options_;
  ProgressDisplay& display_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  size_t busy_ = 0;
  std::vector<Image> images_;
  std::set<std::string> seen_blobs_;
  size_t blobs_known_ = 0;
  size_t blobs_done_ = 0;
  size_t images_done_ = 0;
  PrefetchSummary summary_;
};

}  // namespace

PrefetchSummary run_prefetch(const PrefetchOptions& options, std::FILE* out, bool terminal) {
  ProgressDisplay display(out, terminal);
  Prefetcher prefetcher(options, display);
  auto summary = prefetcher.run();
  std::fputs(
      fmt::format("prefetch: {} image{} ok, {} failed; {} blobs fetched ({}), {} already "
                  "cached; {:.1f} s\n",
                  summary.images_ok, summary.images_ok == 1 ? "" : "s", summary.images_failed,
                  summary.blobs_fetched, ops::format_bytes(double(summary.bytes_fetched)),
                  summary.blobs_cached, summary.seconds)
          .c_str(),
      out);
  return summary;
}

Result<std::vector<std::string>, std::string> read_image_list(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail("cannot read " + file.string());
  std::vector<std::string> images;
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    auto last = line.find_last_not_of(" \t\r");
    images.push_back(line.substr(first, last - first + 1));
  }
  return images;
}

}  // namespace regcache::cli
