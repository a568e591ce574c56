#include "ops/status_snapshot.hpp"

#include <sys/statvfs.h>

#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "ops/telemetry.hpp"

namespace regcache::ops {

StatusSnapshot take_status(const Telemetry& telemetry) {
  StatusSnapshot s;
  const auto& sources = telemetry.metrics().sources();
  s.now = telemetry.clock().now_seconds();
  s.totals = telemetry.metrics().totals();
  const auto& t = s.totals;
  const uint64_t lookups = t.hits + t.misses + t.coalesced + t.stale;
  if (lookups > 0) s.hit_ratio = double(t.hits + t.stale) / double(lookups);
  if (sources.cache_bytes) s.cache_bytes = sources.cache_bytes();
  if (sources.cache_objects) s.cache_objects = sources.cache_objects();
  if (sources.downloads_in_flight) s.downloads_in_flight = sources.downloads_in_flight();
  struct statvfs fs {};
  if (!sources.storage_root.empty() && ::statvfs(sources.storage_root.c_str(), &fs) == 0) {
    s.filesystem_size = uint64_t(fs.f_blocks) * fs.f_frsize;
    s.filesystem_free = uint64_t(fs.f_bavail) * fs.f_frsize;
  }
  if (sources.lifecycle) s.lifecycle = sources.lifecycle();
  s.upstreams = telemetry.upstreams().snapshot();
  s.top_repositories = telemetry.top_repositories().top(10);
  s.recent_errors = telemetry.recent_errors().list();
  s.history = telemetry.history().slots();
  return s;
}

std::string to_json(const StatusSnapshot& s) {
  using nlohmann::json;
  const auto& t = s.totals;
  json out{{"time", s.now},
           {"version", build_info::kVersion},
           {"commit", build_info::kCommit},
           {"cache",
            {{"hits", t.hits},
             {"misses", t.misses},
             {"coalesced", t.coalesced},
             {"stale", t.stale},
             {"hit_ratio", s.hit_ratio ? json(*s.hit_ratio) : json(nullptr)},
             {"bytes_from_cache", t.bytes_from_cache},
             {"bytes_from_upstream", t.bytes_from_upstream},
             {"upstream_bytes", t.upstream_bytes},
             {"size_bytes", s.cache_bytes},
             {"objects", s.cache_objects},
             {"downloads_in_flight", s.downloads_in_flight}}},
           {"requests", t.requests},
           {"server_errors", t.server_errors}};
  json disk = json::object();
  if (s.filesystem_size) disk["filesystem_size_bytes"] = *s.filesystem_size;
  if (s.filesystem_free) disk["filesystem_free_bytes"] = *s.filesystem_free;
  if (s.lifecycle) {
    if (s.lifecycle->budget_bytes) disk["budget_bytes"] = *s.lifecycle->budget_bytes;
    disk["caching_paused"] = s.lifecycle->caching_paused;
  }
  out["disk"] = std::move(disk);
  out["upstreams"] = json::array();
  for (const auto& u : s.upstreams) {
    json entry{{"name", u.name},
               {"state", to_string(u.state)},
               {"last_success", u.last_success},
               {"last_error", u.last_error}};
    entry["quota_limit"] = u.quota.limit >= 0 ? json(u.quota.limit) : json(nullptr);
    entry["quota_remaining"] = u.quota.remaining >= 0 ? json(u.quota.remaining) : json(nullptr);
    out["upstreams"].push_back(std::move(entry));
  }
  out["top_repositories"] = json::array();
  for (const auto& r : s.top_repositories) {
    out["top_repositories"].push_back(
        {{"repository", r.upstream_repository}, {"requests", r.requests}, {"bytes", r.bytes}});
  }
  out["recent_errors"] = json::array();
  for (const auto& e : s.recent_errors) {
    out["recent_errors"].push_back(
        {{"time", e.time}, {"source", e.source}, {"what", e.what}, {"request_id", e.request_id}});
  }
  out["history"] = json::array();
  for (const auto& slot : s.history) {
    out["history"].push_back({{"time", slot.time},
                              {"requests", slot.delta.requests},
                              {"bytes_from_cache", slot.delta.bytes_from_cache},
                              {"bytes_from_upstream", slot.delta.bytes_from_upstream},
                              {"upstream_bytes", slot.delta.upstream_bytes},
                              {"errors", slot.delta.errors}});
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace regcache::ops
