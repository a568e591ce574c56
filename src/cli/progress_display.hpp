#pragma once
// ProgressDisplay: how prefetch reports progress. On a terminal one status
// line is redrawn in place (a bar, blobs and bytes); otherwise (CI logs,
// pipes) each finished image gets one plain line and nothing is redrawn.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace regcache::cli {

class ProgressDisplay {
 public:
  ProgressDisplay(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  // Totals so far; redraws the bar on a terminal (at most 10 times a second).
  void update(size_t images_done, size_t images_total, size_t blobs_done, size_t blobs_known,
              uint64_t bytes);
  // A line that stays (an image finished or failed).
  void line(const std::string& text);
  void finish();  // clears the bar

 private:
  void clear_bar();  // mutex_ held
  std::FILE* out_;
  const bool terminal_;
  std::mutex mutex_;
  std::string bar_;
  std::chrono::steady_clock::time_point drawn_at_{};
};

}  // namespace regcache::cli
