#include "cli/progress_display.hpp"

#include <fmt/format.h>

#include "ops/status_page.hpp"

namespace regcache::cli {

void ProgressDisplay::clear_bar() {
  if (!terminal_ || bar_.empty()) return;
  std::fputs("\r\033[K", out_);
  bar_.clear();
}

void ProgressDisplay::update(size_t images_done, size_t images_total, size_t blobs_done,
                             size_t blobs_known, uint64_t bytes) {
  if (!terminal_) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - drawn_at_ < std::chrono::milliseconds(100)) return;
  drawn_at_ = now;
  constexpr int kWidth = 24;
  const double done = blobs_known ? double(blobs_done) / double(blobs_known) : 0.0;
  const int filled = static_cast<int>(done * kWidth);
  bar_ = fmt::format("[{}{}] images {}/{}  blobs {}/{}  {}", std::string(filled, '#'),
                     std::string(kWidth - filled, '-'), images_done, images_total, blobs_done,
                     blobs_known, ops::format_bytes(double(bytes)));
  std::fputs("\r\033[K", out_);
  std::fputs(bar_.c_str(), out_);
  std::fflush(out_);
}

void ProgressDisplay::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  clear_bar();
  std::fputs(text.c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
  drawn_at_ = {};
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mutex_);
  clear_bar();
  std::fflush(out_);
}

}  // namespace regcache::cli
