#pragma once
// Application: builds the mirror from a validated Config (storage, index,
// upstream clients, cache, HTTP server), runs it until SIGINT/SIGTERM, then
// stops gracefully: no new connections, requests in progress may finish for a
// grace period, downloads are aborted, the index is flushed.

#include "config/config.hpp"

namespace regcache::app {

class Application {
 public:
  explicit Application(config::Config config);
  // Blocks until stopped. Returns the process exit code. Throws on start-up failures.
  int run();

 private:
  config::Config config_;
};

}  // namespace regcache::app
