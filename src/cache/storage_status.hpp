#pragma once
// StorageStatus: whether new content can be cached right now. When a write to
// the cache fails (the disk filled up, usually because of other tenants),
// caching pauses: cached content is still served, new content is streamed to
// clients straight from upstream without being stored (DirectBlobStream), and
// one clear log line says so. The housekeeper resumes caching once the
// filesystem has room again and a probe write succeeds.
//
// For health endpoints: `state()` is cheap and thread-safe; `caching == false`
// means "degraded: serving, not caching", with `reason` ready to show.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <system_error>

namespace regcache::cache {

class StorageStatus {
 public:
  struct State {
    bool caching = true;
    std::string reason;        // why caching is paused ("" while caching)
    int64_t since = 0;         // unix seconds of the last change
    uint64_t needed = 0;       // bytes the failed write needed (resume threshold)
    uint64_t free_bytes = 0;   // last free space seen on the cache filesystem
    uint64_t total_bytes = 0;  // size of the cache filesystem
  };

  bool caching() const { return caching_.load(std::memory_order_relaxed); }
  State state() const;

  // A write into the cache failed. `needed` is the size of what was being written.
  void report_write_failure(const std::error_code& error, uint64_t needed, int64_t now);
  // Fresh filesystem numbers (the housekeeper, every few seconds).
  void report_space(uint64_t free_bytes, uint64_t total_bytes);
  // The housekeeper found room (free >= keep_free + needed) and a probe write worked.
  void resume(int64_t now);
  // Bytes that must be free before caching resumes (0 while caching).
  uint64_t resume_threshold(uint64_t keep_free) const;

 private:
  std::atomic<bool> caching_{true};
  mutable std::mutex mutex_;
  State state_;
};

// True for the errors that mean "no room" (ENOSPC, EDQUOT).
bool is_out_of_space(const std::error_code& error);

}  // namespace regcache::cache
