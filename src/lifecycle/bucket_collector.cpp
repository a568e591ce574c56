#include "lifecycle/bucket_collector.hpp"

#include <spdlog/spdlog.h>

#include <ctime>
#include <unordered_set>

#include "config/byte_size.hpp"
#include "lifecycle/filesystem_space.hpp"

namespace regcache::lifecycle {
namespace {

// While removing, the lock is renewed at least this often.
constexpr auto kRenewEvery = std::chrono::seconds(1);
// Access records of blobs missing from a listing are dropped only when older
// than this (a blob published while the listing ran is not in it).
constexpr int64_t kForgetAfter = 300;

// S3's LastModified ("2026-11-27T22:37:21.000Z") as unix seconds, 0 if unreadable.
int64_t parse_time(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

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
      expiry_(ExpiryPolicy::from_config(config)) {}

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

BucketPassReport BucketCollector::pass() {
  BucketPassReport report;
  coordination_.flush_access();
  const auto role = coordination_.elect();
  renewed_ = std::chrono::steady_clock::now();
  const bool was = collector_.exchange(role == CollectorCoordination::Role::collector);
  if (role != CollectorCoordination::Role::collector) {
    if (was) spdlog::info("collector: another node collects for the bucket now");
    spdlog::debug("collector: skipping the bucket pass ({})",
                  role == CollectorCoordination::Role::follower ? "another node collects"
                                                                : "redis unreachable");
    return report;
  }
  if (!was) spdlog::info("collector: this node now collects (ttl, max_size) for the bucket");

  const int64_t listed_at = clock_.now_seconds();
  const std::string blobs = store_.prefix() + "blobs/sha256/";
  std::vector<BucketObject> objects;
  bool lost = false;  // a long listing keeps the lock renewed
  auto ec = store_.client().list(blobs, [&](const storage::S3Object& object) {
    if (!lost && !still_collector()) lost = true;
    auto digest = registry::Digest::parse("sha256:" + object.key.substr(blobs.size()));
    if (!digest) return;
    objects.push_back({*digest, object.size, parse_time(object.last_modified)});
  });
  if (ec) {
    spdlog::warn("collector: cannot list {}: {}", blobs, ec.message());
    return report;
  }
  if (lost) return report;
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

}  // namespace regcache::lifecycle
