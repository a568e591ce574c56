#pragma once
// ConnectionContexts: one io_context per thread for client connections. A
// connection lives on one context for its whole life, so its handlers need no
// strand and the threads never hand work to each other: the layout of nginx's
// worker processes, and asio's fastest for many short requests.

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "http/beast.hpp"

namespace regcache::http {

class ConnectionContexts {
 public:
  explicit ConnectionContexts(unsigned threads);
  ~ConnectionContexts();  // stops and joins
  ConnectionContexts(const ConnectionContexts&) = delete;
  ConnectionContexts& operator=(const ConnectionContexts&) = delete;

  // The context for the next connection (round robin).
  asio::any_io_executor next();
  void start();  // one thread per context
  // Stops the contexts (their pending handlers are dropped) and joins the threads.
  void stop();

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace regcache::http
