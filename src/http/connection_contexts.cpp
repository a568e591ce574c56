#include "http/connection_contexts.hpp"

#include <algorithm>

#include "util/stderr_batch.hpp"

namespace regcache::http {

ConnectionContexts::ConnectionContexts(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    // Hint 1: each context is run by exactly one thread.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    keep_running_.push_back(asio::make_work_guard(*contexts_.back()));
  }
}

ConnectionContexts::~ConnectionContexts() { stop(); }

asio::any_io_executor ConnectionContexts::next() {
  const size_t i = next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
  return contexts_[i]->get_executor();
}

void ConnectionContexts::start() {
  for (auto& context : contexts_) {
    threads_.emplace_back([&io = *context] {
      stderr_batch::attach(io);  // this thread's log lines go out once per loop turn
      io.run();
      stderr_batch::detach();
    });
  }
}

void ConnectionContexts::stop() {
  for (auto& guard : keep_running_) guard.reset();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace regcache::http
