#pragma once
// RecentErrors: the last few things that went wrong (5xx answers to clients,
// failed upstream exchanges), newest first, for the status page.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace regcache::ops {

struct ErrorEntry {
  int64_t time = 0;    // unix seconds
  std::string source;  // "client" or "upstream <name>"
  std::string what;    // e.g. "GET /v2/library/alpine/manifests/3 -> 503"
  std::string request_id;
};

class RecentErrors {
 public:
  explicit RecentErrors(size_t capacity = 20) : capacity_(capacity) {}
  void add(ErrorEntry entry);
  std::vector<ErrorEntry> list() const;  // newest first

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<ErrorEntry> entries_;
};

}  // namespace regcache::ops
