#include "ops/readiness.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace regcache::ops {
namespace {

constexpr auto kProbeInterval = std::chrono::seconds(1);

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

Readiness::Readiness(std::filesystem::path probe_dir, const index::CacheIndex& index,
                     const UpstreamHealth& upstreams, LifecycleStatusSource lifecycle)
    : probe_dir_(std::move(probe_dir)),
      index_(index),
      upstreams_(upstreams),
      lifecycle_(std::move(lifecycle)) {}

ReadinessCheck Readiness::probe_storage() {
  ReadinessCheck check{"storage", true, "writable"};
  const auto path = probe_dir_ / ".readyz-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return {"storage", false, "cannot write in " + probe_dir_.string() + ": " + errno_text(errno)};
  }
  const char byte = '1';
  if (::write(fd, &byte, 1) != 1 || ::fsync(fd) != 0) {
    const int error = errno;
    // A full disk pauses caching (see the "caching" check) but the mirror still
    // serves what it has: ready, not failed.
    if (error == ENOSPC || error == EDQUOT) {
      check = {"storage", true, "full: cached content is served, new content is not stored"};
    } else {
      check = {"storage", false, "cannot write in " + probe_dir_.string() + ": " + errno_text(error)};
    }
  }
  ::close(fd);
  ::unlink(path.c_str());
  return check;
}

ReadinessReport Readiness::report() {
  ReadinessReport report;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (probed_at_ == std::chrono::steady_clock::time_point{} ||
        now - probed_at_ >= kProbeInterval) {
      last_probe_ = probe_storage();
      probed_at_ = now;
    }
    report.checks.push_back(last_probe_);
  }
  const bool index_ok = index_.usable();
  report.checks.push_back(
      {"index", index_ok, index_ok ? "open" : "the index database does not answer"});
  if (lifecycle_) {
    auto status = lifecycle_();
    // Reported, not failed: a mirror that cannot store new content still serves its cache.
    report.checks.push_back(
        {"caching", true, status.caching_paused ? "paused: " + status.paused_reason : "active"});
  }
  for (const auto& check : extra_) report.checks.push_back(check());
  for (const auto& check : report.checks) report.ready = report.ready && check.ok;
  report.upstreams = upstreams_.snapshot();
  return report;
}

std::string to_json(const ReadinessReport& report) {
  nlohmann::json body;
  body["ready"] = report.ready;
  body["checks"] = nlohmann::json::array();
  for (const auto& c : report.checks) {
    body["checks"].push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  }
  body["upstreams"] = nlohmann::json::array();
  for (const auto& u : report.upstreams) {
    nlohmann::json entry{{"name", u.name},
                         {"state", to_string(u.state)},
                         {"since", u.since},
                         {"last_success", u.last_success},
                         {"last_failure", u.last_failure},
                         {"last_error", u.last_error}};
    if (u.quota.remaining >= 0) entry["quota_remaining"] = u.quota.remaining;
    if (u.quota.limit >= 0) entry["quota_limit"] = u.quota.limit;
    body["upstreams"].push_back(std::move(entry));
  }
  return body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace regcache::ops
