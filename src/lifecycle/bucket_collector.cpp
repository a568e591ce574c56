#include "lifecycle/bucket_collector.hpp"

#include <spdlog/spdlog.h>

#include <unordered_set>

#include "config/byte_size.hpp"
#include "config/duration.hpp"
#include "lifecycle/filesystem_space.hpp"
#include "registry/manifest_references.hpp"

namespace regcache::lifecycle {
namespace {

// While removing, the lock is renewed at least this often.
constexpr auto kRenewEvery = std::chrono::seconds(1);
// Access records of blobs missing from a listing are dropped only when older
// than this (a blob published while the listing ran is not in it).
constexpr int64_t kForgetAfter = 300;

// Registries refuse larger manifests: a bigger object is no manifest to read.
constexpr uint64_t kMaxManifest = 4 * 1024 * 1024;

}  // namespace

BucketCollector::BucketCollector(const config::Config& config,
                                 const std::filesystem::path& data_dir,
                                 storage::S3ContentStore& store, index::CacheIndex& index,
                                 cache::BlobFetcher* fetcher, CollectorCoordination& coordination,
                                 const Clock& clock)
    : config_(config.lifecycle),
      data_dir_(data_dir),
      store_(store),
      index_(index),
      fetcher_(fetcher),
      coordination_(coordination),
      clock_(clock),
      expiry_(ExpiryPolicy::from_config(config)),
      layout_(store.prefix()) {}

uint64_t BucketCollector::budget() const {
  if (!config_.max_size.is_set()) return BucketLimits::kUnlimited;
  // A percentage is of the local filesystem, as on one node (bytes are the sensible unit here).
  auto fs = filesystem_space(data_dir_);
  return config_.max_size.resolve(fs ? fs->total : 0);
}

bool BucketCollector::still_collector() {
  const auto now = std::chrono::steady_clock::now();
  if (now - renewed_ < kRenewEvery) return true;
  const bool held = coordination_.elect() == CollectorCoordination::Role::collector;
  collector_ = held;
  renewed_ = now;
  if (!held) spdlog::info("collector: lost the collector lock; another node collects now");
  return held;
}

void BucketCollector::between_passes() {
  coordination_.flush_access();
  if (collector_) still_collector();
}

void BucketCollector::resign() {
  if (collector_.exchange(false)) coordination_.resign();
}

bool BucketCollector::take_turn() {
  const auto role = coordination_.elect();
  renewed_ = std::chrono::steady_clock::now();
  const bool was = collector_.exchange(role == CollectorCoordination::Role::collector);
  if (role != CollectorCoordination::Role::collector) {
    if (was) spdlog::info("collector: another node collects for the bucket now");
    spdlog::debug("collector: skipping the bucket ({})",
                  role == CollectorCoordination::Role::follower ? "another node collects"
                                                                : "redis unreachable");
    return false;
  }
  if (!was) {
    spdlog::info("collector: this node now collects (ttl, max_size, gc) for the bucket");
  }
  return true;
}

std::optional<std::vector<BucketObject>> BucketCollector::list_blobs() {
  const std::string blobs = layout_.blobs();
  std::vector<BucketObject> objects;
  bool lost = false;  // a long listing keeps the lock renewed
  auto ec = store_.client().list(blobs, [&](const storage::S3Object& object) {
    if (!lost && !still_collector()) lost = true;
    auto digest = storage::BucketLayout::digest_in(object.key, blobs);
    if (!digest) return;
    objects.push_back({*digest, object.size, object.modified_at()});
  });
  if (ec) {
    spdlog::warn("collector: cannot list {}: {}", blobs, ec.message());
    return std::nullopt;
  }
  if (lost) return std::nullopt;
  return objects;
}

BucketPassReport BucketCollector::pass() {
  BucketPassReport report;
  coordination_.flush_access();
  if (!take_turn()) return report;

  const int64_t listed_at = clock_.now_seconds();
  auto listing = list_blobs();
  if (!listing) return report;
  auto objects = std::move(*listing);
  auto shared = coordination_.last_access();
  if (!shared) return report;  // Redis went away: try next time

  // Last use by any node: the shared record, this node's index (also what it
  // has not sent yet) or the upload.
  std::unordered_set<std::string> listed;
  for (auto& object : objects) {
    const auto& hex = object.digest.hex();
    listed.insert(hex);
    if (auto it = shared->find(hex); it != shared->end())
      object.last_access = std::max(object.last_access, it->second);
    if (auto local = index_.object(object.digest))
      object.last_access = std::max(object.last_access, local->last_access);
  }

  const auto ttls = expiry_.ttl_by_digest(index_.snapshot());
  const int64_t default_ttl = expiry_.longest().count();
  BucketLimits limits;
  limits.max_bytes = budget();
  limits.high_watermark = config_.high_watermark;
  limits.low_watermark = config_.low_watermark;
  auto plan = plan_bucket_pass(
      std::move(objects), limits, clock_.now_seconds(),
      [&](const std::string& hex) {
        auto it = ttls.find(hex);
        return it == ttls.end() ? default_ttl : it->second;
      },
      [&](const registry::Digest& digest) {
        return (fetcher_ != nullptr && fetcher_->find(digest) != nullptr) ||
               coordination_.fetching(digest);
      });
  report.collected = true;
  report.objects = listed.size();
  report.bytes = plan.bytes;

  std::vector<std::string> forgotten;
  bool stopped = false;
  for (auto* group : {&plan.expired, &plan.evicted}) {
    for (const auto& victim : *group) {
      if (!still_collector()) {
        stopped = true;
        break;
      }
      if (!remove(victim)) continue;
      forgotten.push_back(victim.digest.hex());
      (group == &plan.expired ? report.expired : report.evicted) += 1;
      report.removed_bytes += victim.size;
    }
    if (stopped) break;
  }
  // Records of blobs gone by other means (a bucket lifecycle rule, an operator).
  for (const auto& [hex, when] : *shared) {
    if (!listed.contains(hex) && when < listed_at - kForgetAfter) forgotten.push_back(hex);
  }
  if (!forgotten.empty()) coordination_.forget(forgotten);
  if (!stopped) store_.remove_expired_grace_copies();

  if (report.expired + report.evicted > 0 || !plan.reachable) {
    spdlog::info(
        "collector: bucket held {} in {} blob(s) (budget {}); removed {} unused for their ttl "
        "and {} least recently used, {}",
        config::format_bytes(plan.bytes), report.objects,
        limits.max_bytes == BucketLimits::kUnlimited ? std::string("none")
                                                     : config::format_bytes(limits.max_bytes),
        report.expired, report.evicted, config::format_bytes(report.removed_bytes));
  }
  if (!plan.reachable) {
    spdlog::warn("collector: the budget cannot be met: the rest is being fetched or in use");
  }
  return report;
}

bool BucketCollector::remove(const BucketObject& victim) {
  std::unique_lock<std::mutex> guard;
  if (fetcher_ != nullptr) {
    guard = fetcher_->lock_content(victim.digest);
    if (fetcher_->find(victim.digest)) return false;
  }
  // Used through this node since the plan was made: keep it.
  if (auto local = index_.object(victim.digest); local && local->last_access > victim.last_access)
    return false;
  if (auto ec = store_.remove(victim.digest)) {
    spdlog::warn("collector: cannot delete {}: {}", victim.digest.str(), ec.message());
    return false;
  }
  index_.remove_object(victim.digest);
  return true;
}

BucketGcReport BucketCollector::collect_garbage(bool dry_run) {
  BucketGcReport report;
  report.dry_run = dry_run;
  coordination_.flush_access();
  if (!take_turn()) return report;
  report.collected = true;
  report.complete = false;  // until the end
  // The nodes' records (coord::S3SharedCatalog).
  const std::string manifests_area = layout_.manifest_types();
  const std::string tags_area = layout_.tags();
  const std::string pins_area = layout_.pins();
  auto& client = store_.client();

  // Blobs first, records after: a record naming an upload that finished after
  // the blobs were listed names nothing this run could remove.
  BucketListing listing;
  auto objects = list_blobs();
  if (!objects) return report;
  listing.objects = std::move(*objects);
  bool lost = false;
  auto list = [&](const std::string& area,
                  const std::function<void(const storage::S3Object&)>& visit) {
    auto ec = client.list(area, [&](const storage::S3Object& object) {
      if (!lost && !still_collector()) lost = true;
      if (!lost) visit(object);
    });
    if (ec) spdlog::warn("gc: bucket: cannot list {}: {}", area, ec.message());
    return !ec && !lost;
  };
  const bool listed = list(manifests_area, [&](const storage::S3Object& object) {
    auto digest = storage::BucketLayout::digest_in(object.key, manifests_area);
    if (!digest) return;
    listing.manifests.insert(digest->hex());
    listing.manifest_records.push_back({object.key, *digest, object.modified_at()});
  });
  std::vector<storage::S3Object> tag_objects;
  if (!listed || !list(tags_area, [&](const auto& object) { tag_objects.push_back(object); }) ||
      !list(pins_area, [&](const storage::S3Object& object) {
        auto digest = storage::BucketLayout::digest_in(object.key, pins_area);
        if (digest) listing.pins.push_back({object.key, *digest, object.modified_at()});
      })) {
    return report;
  }
  // A tag record names its manifest in its body. One that cannot be read
  // might be the only root of something: then nothing is removed this time.
  for (const auto& object : tag_objects) {
    if (!still_collector()) return report;
    auto body = client.get_object(object.key);
    if (!body.ok()) {
      spdlog::warn("gc: bucket: cannot read the tag record {}: {}; removing nothing this time",
                   object.key, body.error().message());
      return report;
    }
    if (!body.value()) continue;  // deleted since the listing
    auto record = storage::parse_tag_record(*body.value());
    if (!record) continue;  // not regcache's
    const int64_t written_at = std::max(object.modified_at(), record->validated_at);
    listing.tags.push_back({object.key, record->digest, written_at});
  }

  // Last use by any node, as for the passes; this node's index also knows
  // manifests whose media type record is missing.
  auto shared = coordination_.last_access();
  if (!shared) return report;
  std::unordered_map<std::string, uint64_t> sizes;
  for (auto& object : listing.objects) {
    const auto& hex = object.digest.hex();
    sizes.emplace(hex, object.size);
    if (auto it = shared->find(hex); it != shared->end())
      object.last_access = std::max(object.last_access, it->second);
    if (auto local = index_.object(object.digest)) {
      object.last_access = std::max(object.last_access, local->last_access);
      if (!local->media_type.empty()) listing.manifests.insert(hex);
    }
  }
  // References of manifests no longer in the bucket are not needed again.
  std::erase_if(links_, [&](const auto& entry) { return !sizes.contains(entry.first); });

  auto plan = plan_bucket_gc(
      listing, clock_.now_seconds(), config_.gc_grace.count(),
      [&](const registry::Digest& digest) -> std::optional<ManifestLinks> {
        if (!lost && !still_collector()) lost = true;
        if (lost) return std::nullopt;
        auto size = sizes.find(digest.hex());
        return links_of(digest, size == sizes.end() ? 0 : size->second);
      },
      [&](const registry::Digest& digest) {
        return (fetcher_ != nullptr && fetcher_->find(digest) != nullptr) ||
               coordination_.fetching(digest);
      });
  if (lost) return report;
  report.objects = listing.objects.size();
  report.roots = plan.roots;
  report.reachable = plan.reachable;
  report.recent = plan.recent;
  report.skipped = plan.protected_;
  if (!plan.complete) {
    spdlog::warn("gc: bucket: a reachable manifest could not be read; removing nothing this time");
    return report;
  }

  std::vector<std::string> forgotten;
  bool stopped = false;
  for (auto* group : {&plan.manifests, &plan.blobs}) {
    const bool manifests = group == &plan.manifests;
    for (const auto& victim : *group) {
      if (!dry_run) {
        if (!still_collector()) {
          stopped = true;
          break;
        }
        if (!remove(victim)) {
          ++report.skipped;
          continue;
        }
        forgotten.push_back(victim.digest.hex());
        if (manifests) {
          links_.erase(victim.digest.hex());
          prune_records({layout_.manifest_type_key(victim.digest), layout_.pin_key(victim.digest)},
                        victim.digest, false);
        }
      }
      report.bytes += victim.size;
      (manifests ? report.manifests : report.blobs).push_back(victim);
    }
    if (stopped) break;
  }
  if (!stopped) {
    for (const auto& record : plan.dangling_tags) {
      if (prune_records({record.key}, record.digest, dry_run)) ++report.pruned_tags;
    }
    for (const auto& record : plan.dangling_pins) {
      if (prune_records({record.key}, record.digest, dry_run)) ++report.pruned_pins;
    }
    for (const auto& record : plan.orphan_records) {
      if (prune_records({record.key}, record.digest, dry_run)) ++report.pruned_records;
    }
  }
  if (!forgotten.empty()) coordination_.forget(forgotten);
  report.complete = !stopped;

  spdlog::info(
      "gc: bucket: {} {} manifest(s) and {} blob(s) no tag or pin reaches, {}; {} of {} "
      "object(s) reachable from {} tagged or pinned manifest(s); kept {} unreachable used "
      "within gc_grace ({}) and {} being fetched or used since; {} {} dangling tag record(s), "
      "{} pin(s) and {} media type record(s){}",
      dry_run ? "would remove" : "removed", report.manifests.size(), report.blobs.size(),
      config::format_bytes(report.bytes), report.reachable, report.objects, report.roots,
      report.recent, config::format_duration(config_.gc_grace), report.skipped,
      dry_run ? "would prune" : "pruned", report.pruned_tags, report.pruned_pins,
      report.pruned_records, stopped ? " (stopped: lost the collector lock)" : "");
  return report;
}

std::optional<ManifestLinks> BucketCollector::links_of(const registry::Digest& digest,
                                                       uint64_t size) {
  if (auto it = links_.find(digest.hex()); it != links_.end()) return it->second;
  if (size > kMaxManifest) return ManifestLinks{};
  auto body = store_.client().get_object(store_.key_of(digest));
  if (!body.ok()) {
    spdlog::warn("gc: bucket: cannot read manifest {}: {}", digest.str(), body.error().message());
    return std::nullopt;
  }
  if (!body.value()) return ManifestLinks{};  // removed since the listing
  ManifestLinks links{registry::manifest_references(*body.value()),
                      registry::child_manifests(*body.value())};
  links_.emplace(digest.hex(), links);
  return links;
}

bool BucketCollector::prune_records(std::initializer_list<std::string> keys,
                                    const registry::Digest& digest, bool dry_run) {
  if (!still_collector()) return false;
  // A node uploading the manifest again writes its records again after the upload.
  auto size = store_.client().head(store_.key_of(digest));
  if (!size.ok() || size.value()) return false;
  if (dry_run) return true;
  bool removed = true;
  for (const auto& key : keys) {
    if (auto ec = store_.client().remove(key)) {
      spdlog::warn("gc: bucket: cannot delete {}: {}", key, ec.message());
      removed = false;
    }
  }
  return removed;
}

}  // namespace regcache::lifecycle
