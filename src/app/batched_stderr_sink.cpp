#include "app/batched_stderr_sink.hpp"

#include <spdlog/pattern_formatter.h>

#include "util/stderr_batch.hpp"

namespace regcache::app {
namespace {

// A formatter keeps state between lines (the cached time), so each thread
// formats with its own clone, taken again when the sink's formatter changes.
struct ThreadFormatter {
  unsigned generation = 0;
  std::unique_ptr<spdlog::formatter> formatter;
};
thread_local ThreadFormatter thread_copy;
std::atomic<unsigned> next_generation{0};

}  // namespace

BatchedStderrSink::BatchedStderrSink()
    : formatter_(std::make_unique<spdlog::pattern_formatter>()), generation_(++next_generation) {}

spdlog::formatter& BatchedStderrSink::thread_formatter() {
  const unsigned generation = generation_.load(std::memory_order_acquire);
  if (thread_copy.generation != generation || !thread_copy.formatter) {
    std::lock_guard lock(mutex_);
    thread_copy.generation = generation_.load(std::memory_order_relaxed);
    thread_copy.formatter = formatter_->clone();
  }
  return *thread_copy.formatter;
}

void BatchedStderrSink::log(const spdlog::details::log_msg& msg) {
  if (!should_log(msg.level)) return;
  spdlog::memory_buf_t line;
  thread_formatter().format(msg, line);
  stderr_batch::write(std::string_view(line.data(), line.size()));
}

void BatchedStderrSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void BatchedStderrSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  std::lock_guard lock(mutex_);
  formatter_ = std::move(formatter);
  generation_.store(++next_generation, std::memory_order_release);
}

}  // namespace regcache::app
