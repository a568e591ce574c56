#include "lifecycle/reconciler.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "registry/manifest_references.hpp"

namespace regcache::lifecycle {
namespace {

std::optional<std::string> read_all(storage::ContentStore& store, const registry::Digest& digest,
                                    uint64_t size) {
  auto reader = store.open(digest);
  if (!reader) return std::nullopt;
  std::string body(size, '\0');
  uint64_t done = 0;
  while (done < size) {
    auto n = reader.value()->read_at(done, std::span<char>(body.data() + done, size - done));
    if (!n || n.value() == 0) return std::nullopt;
    done += n.value();
  }
  return body;
}

}  // namespace

ReconcileReport reconcile(index::CacheIndex& index, storage::ContentStore& store, bool shared) {
  const auto started = std::chrono::steady_clock::now();
  ReconcileReport report;
  store.remove_abandoned_staging();

  std::unordered_map<std::string, uint64_t> files;  // hex -> size
  store.for_each(
      [&](const registry::Digest& digest, uint64_t size) { files.emplace(digest.hex(), size); });
  report.files = files.size();

  std::vector<registry::Digest> forget;
  std::vector<index::ObjectRecord> manifests_without_refs;
  for (const auto& object : index.objects()) {
    auto file = files.find(object.digest.hex());
    if (file == files.end() || file->second != object.size) {
      forget.push_back(object.digest);
      if (file != files.end()) files.erase(file);  // deleted with the forgotten entries
      continue;
    }
    files.erase(file);  // accounted for
    if (!object.media_type.empty() && !index.has_refs(object.digest)) {
      manifests_without_refs.push_back(object);
    }
  }
  index.remove_objects(forget);
  report.forgotten = forget.size();

  if (shared) files.clear();
  for (const auto& [hex, _] : files) {
    if (!store.remove(registry::Digest::from_sha256_hex(hex))) ++report.orphans_removed;
  }
  // A forgotten entry's incomplete file goes too.
  if (!shared) {
    for (const auto& digest : forget) store.remove(digest);
  }

  for (const auto& manifest : manifests_without_refs) {
    auto body = read_all(store, manifest.digest, manifest.size);
    if (!body) continue;
    auto refs = registry::manifest_references(*body);
    if (refs.empty()) continue;
    index.add_refs(manifest.digest, refs);
    ++report.refs_backfilled;
  }

  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (report.forgotten > 0) {
    spdlog::warn("reconcile: forgot {} index entries whose files are missing or incomplete",
                 report.forgotten);
  }
  if (report.orphans_removed > 0) {
    spdlog::warn("reconcile: deleted {} files the index did not know (left by a crash)",
                 report.orphans_removed);
  }
  spdlog::info("reconcile: {} files checked against the index in {} ms", report.files,
               report.took.count());
  return report;
}

}  // namespace regcache::lifecycle
