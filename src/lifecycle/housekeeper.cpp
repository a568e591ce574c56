#include "lifecycle/housekeeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "config/byte_size.hpp"
#include "config/duration.hpp"
#include "lifecycle/filesystem_space.hpp"

namespace regcache::lifecycle {
namespace {

constexpr auto kTick = std::chrono::seconds(5);
constexpr size_t kProbeBytes = 64 * 1024;

// How often to look for expired content: a quarter of the shortest TTL,
// between one second and one minute.
std::chrono::seconds expiry_interval(config::Seconds shortest) {
  return std::clamp<config::Seconds>(shortest / 4, config::Seconds(1), config::Seconds(60));
}

// A small write into staging proves the storage takes bytes again.
bool probe_write(storage::ContentStore& store) {
  auto staging = store.create_staging();
  if (!staging) return false;
  std::string zeros(kProbeBytes, '\0');
  return !staging.value()->append(zeros) && !staging.value()->sync();
}

}  // namespace

Housekeeper::Housekeeper(const config::Config& config, const std::filesystem::path& data_dir,
                         storage::ContentStore& store, index::CacheIndex& index,
                         cache::BlobFetcher* fetcher, const Clock& clock)
    : config_(config.lifecycle),
      data_dir_(data_dir),
      store_(store),
      index_(index),
      fetcher_(fetcher),
      clock_(clock),
      eviction_(config.lifecycle),
      expiry_(ExpiryPolicy::from_config(config)),
      remover_(store, index, fetcher),
      gc_remover_(store, index, fetcher),
      collector_(index, gc_remover_, clock) {}

void Housekeeper::share_bucket(BucketCollector* collector, cache::SharedCatalog* catalog) {
  // Without a collector nobody else would ever delete what GC only forgets.
  gc_remover_.keep_store_content(collector != nullptr);
  bucket_ = collector;
  catalog_ = catalog;
}

Housekeeper::~Housekeeper() { stop(); }

void Housekeeper::start() {
  if (auto fs = filesystem_space(data_dir_)) {
    budget_ = eviction_.budget(index_.total_bytes(), *fs);
  }
  thread_ = std::thread([this] { run(); });
}

Housekeeper::Counters Housekeeper::counters() const {
  Counters out;
  const uint64_t budget = budget_.load();
  if (budget != EvictionPolicy::kUnlimited) out.budget = budget;
  out.evictions = evictions_.load();
  out.gc_runs = gc_runs_.load();
  if (bucket_ != nullptr) out.collector = bucket_->collector();
  return out;
}

void Housekeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (bucket_ != nullptr) bucket_->resign();
}

void Housekeeper::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Housekeeper::run() {
  using Clock = std::chrono::steady_clock;
  const auto ttl = expiry_.shortest();
  const auto tick = ttl.count() > 0 ? std::min<std::chrono::seconds>(kTick, expiry_interval(ttl))
                                    : std::chrono::seconds(kTick);
  auto next_expiry = Clock::now();
  auto next_gc = Clock::now() + config_.gc_interval;
  bool woken = false;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, tick, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken = woken_;
      woken_ = false;
    }
    try {
      std::lock_guard work(work_mutex_);
      check_space();
      if (bucket_ != nullptr) {
        collect_bucket(woken);
      } else {
        enforce_budget_locked();
      }
      if (bucket_ == nullptr && ttl.count() > 0 && Clock::now() >= next_expiry) {
        expire_locked();
        next_expiry = Clock::now() + expiry_interval(ttl);
      }
      if (config_.gc_interval.count() > 0 && Clock::now() >= next_gc) {
        collect_garbage_locked(false);
        next_gc = Clock::now() + config_.gc_interval;
      }
    } catch (const std::exception& e) {
      spdlog::error("lifecycle: {}", e.what());
    }
  }
}

void Housekeeper::check_space() {
  auto fs = filesystem_space(data_dir_);
  if (!fs || fetcher_ == nullptr) return;
  auto& status = fetcher_->storage_status();
  status.report_space(fs->free, fs->total);
  if (status.caching()) return;
  const uint64_t keep_free = config_.min_free_space.resolve(fs->total);
  if (fs->free >= status.resume_threshold(keep_free) && probe_write(store_)) {
    status.resume(clock_.now_seconds());
  }
}

void Housekeeper::collect_bucket(bool woken) {
  using Clock = std::chrono::steady_clock;
  // New content: a pass soon, but not more often than this (each lists the bucket).
  constexpr auto kAfterStore = std::chrono::seconds(5);
  const auto now = Clock::now();
  if (now < next_bucket_pass_ && !(woken && now >= last_bucket_pass_ + kAfterStore)) {
    bucket_->between_passes();
    return;
  }
  // Other nodes' new content wakes nobody here: look every kBucketPass (a
  // listing costs one request per 1000 blobs), or as often as the TTL needs.
  constexpr auto kBucketPass = std::chrono::seconds(15);
  const auto ttl = expiry_.shortest();
  next_bucket_pass_ =
      now + (ttl.count() > 0 ? std::min<std::chrono::seconds>(kBucketPass, expiry_interval(ttl))
                             : kBucketPass);
  last_bucket_pass_ = now;
  const uint64_t budget = bucket_->budget();
  budget_ = budget;
  auto report = bucket_->pass();
  evictions_ += report.expired + report.evicted;
}

EvictionReport Housekeeper::enforce_budget() {
  std::lock_guard work(work_mutex_);
  return enforce_budget_locked();
}

EvictionReport Housekeeper::enforce_budget_locked() {
  EvictionReport report;
  auto fs = filesystem_space(data_dir_);
  if (!fs) return report;
  const uint64_t cache_bytes = index_.total_bytes();
  budget_ = eviction_.budget(cache_bytes, *fs);
  if (!eviction_.over_high_watermark(cache_bytes, *fs)) return report;
  auto plan = eviction_.plan(index_.objects(), cache_bytes, *fs, [this](const auto& object) {
    return remover_.downloading(object.digest);
  });
  for (const auto& victim : plan.victims) {
    // Only if nobody used it since the plan was made.
    auto outcome = remover_.remove(victim.digest, {.idle_before = victim.last_access + 1});
    if (outcome != ContentRemover::Outcome::removed) continue;
    ++report.removed;
    report.bytes += victim.size;
  }
  evictions_ += report.removed;
  spdlog::info(
      "eviction: cache held {} over {}% of its {} budget; removed {} least recently used "
      "object(s), {}",
      config::format_bytes(cache_bytes), config_.high_watermark, config::format_bytes(plan.budget),
      report.removed, config::format_bytes(report.bytes));
  if (!plan.reachable) {
    spdlog::warn(
        "eviction: the budget cannot be met by evicting idle content (free space on the "
        "filesystem is low: {} free; min_free_space {})",
        config::format_bytes(fs->free),
        config::format_bytes(config_.min_free_space.resolve(fs->total)));
  }
  return report;
}

EvictionReport Housekeeper::expire() {
  std::lock_guard work(work_mutex_);
  return expire_locked();
}

EvictionReport Housekeeper::expire_locked() {
  EvictionReport report;
  auto expired = expiry_.expired(index_.snapshot(), clock_.now_seconds());
  for (const auto& entry : expired) {
    if (remover_.remove(entry.object.digest, {.idle_before = entry.cutoff}) !=
        ContentRemover::Outcome::removed) {
      continue;
    }
    ++report.removed;
    report.bytes += entry.object.size;
  }
  if (report.removed > 0) {
    spdlog::info("ttl: removed {} object(s) unused for longer than their ttl, {}", report.removed,
                 config::format_bytes(report.bytes));
  }
  return report;
}

GcReport Housekeeper::collect_garbage(bool dry_run) {
  std::lock_guard work(work_mutex_);
  return collect_garbage_locked(dry_run);
}

GcReport Housekeeper::collect_garbage_locked(bool dry_run) {
  auto report = collector_.collect(dry_run);
  if (bucket_ != nullptr) {  // on the collector only
    auto bucket = bucket_->collect_garbage(dry_run);
    if (bucket.collected) report.bucket = std::move(bucket);
  }
  if (!dry_run) ++gc_runs_;
  return report;
}

RemoveReport Housekeeper::remove(const ImageSelector& selector, bool dry_run) {
  std::lock_guard work(work_mutex_);
  // With a collector, what the image alone reached leaves this node's index
  // now and the bucket with the collector's next garbage collection: another
  // node's image may share a layer this node's index cannot know of.
  auto report = remove_image(index_, bucket_ != nullptr ? gc_remover_ : remover_, selector, dry_run);
  if (catalog_ != nullptr && !dry_run) {
    for (const auto& tag : report.tags) {
      catalog_->remove_tag(tag.upstream, tag.repository, tag.tag);
    }
    for (const auto& pin : report.pins) catalog_->remove_pin(pin.digest);
  }
  report.left_to_collector = bucket_ != nullptr;
  return report;
}

VerifyReport Housekeeper::verify(bool fix) {
  // Not under work_mutex_: hashing everything takes long, and removal is safe anyway.
  return verify_content(index_, store_, remover_, fix);
}

nlohmann::json Housekeeper::status() {
  nlohmann::json out;
  auto fs = filesystem_space(data_dir_);
  const uint64_t cache_bytes = index_.total_bytes();
  out["cache"] = {{"bytes", cache_bytes}, {"objects", index_.object_count()}};
  if (fs) {
    out["filesystem"] = {{"total", fs->total}, {"free", fs->free}};
    const uint64_t budget = eviction_.budget(cache_bytes, *fs);
    if (budget == EvictionPolicy::kUnlimited) {
      out["budget"] = {{"bytes", nullptr}};
    } else {
      out["budget"] = {{"bytes", budget},
                       {"high_watermark", config_.high_watermark},
                       {"low_watermark", config_.low_watermark}};
    }
    out["min_free_space"] = config_.min_free_space.resolve(fs->total);
  }
  out["ttl"] = config::format_duration(expiry_.shortest());
  out["gc_interval"] = config::format_duration(config_.gc_interval);
  if (bucket_ != nullptr) out["collector"] = bucket_->collector();
  if (fetcher_ != nullptr) {
    auto state = fetcher_->storage_status().state();
    out["storage"] = {{"caching", state.caching}, {"reason", state.reason}, {"since", state.since}};
    out["downloads"] = fetcher_->inflight_count();
  }
  return out;
}

}  // namespace regcache::lifecycle
