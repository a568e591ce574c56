#pragma once
// BatchedStderrSink: spdlog sink for the access and upstream lines. Each line
// is formatted on the thread that logs it (with that thread's copy of the
// formatter, so threads share no lock) and handed to util/stderr_batch, which
// writes the lines of an I/O thread once per turn of its event loop.

#include <spdlog/sinks/sink.h>

#include <atomic>
#include <memory>
#include <mutex>

namespace regcache::app {

class BatchedStderrSink final : public spdlog::sinks::sink {
 public:
  BatchedStderrSink();

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override {}
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  spdlog::formatter& thread_formatter();

  std::mutex mutex_;  // guards formatter_ (set at start-up, cloned by each thread)
  std::unique_ptr<spdlog::formatter> formatter_;
  std::atomic<unsigned> generation_;  // unique across sinks: which formatter a thread copied
};

}  // namespace regcache::app
