#include "util/stderr_batch.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>

namespace regcache::stderr_batch {
namespace {

constexpr size_t kMaxBatch = PIPE_BUF;

struct Batch {
  asio::io_context* io = nullptr;
  std::string pending;
  bool flush_posted = false;
};

thread_local Batch batch;

void write_out(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {  // stderr made non-blocking by whoever holds its other end
      pollfd writable{STDERR_FILENO, POLLOUT, 0};
      ::poll(&writable, 1, -1);
      continue;
    }
    return;  // stderr is gone: nothing sensible is left to do with a log line
  }
}

void flush_pending() {
  if (batch.pending.empty()) return;
  write_out(batch.pending);
  batch.pending.clear();
}

}  // namespace

void attach(asio::io_context& io) {
  batch.io = &io;
  batch.pending.reserve(kMaxBatch);
}

void detach() {
  flush_pending();
  batch.io = nullptr;
  batch.flush_posted = false;
}

void write(std::string_view lines) {
  if (batch.io == nullptr) {
    write_out(lines);
    return;
  }
  if (batch.pending.size() + lines.size() > kMaxBatch) flush_pending();
  if (lines.size() > kMaxBatch) {
    write_out(lines);
    return;
  }
  batch.pending += lines;
  if (!batch.flush_posted) {
    batch.flush_posted = true;
    asio::post(*batch.io, [] {
      batch.flush_posted = false;
      flush_pending();
    });
  }
}

}  // namespace regcache::stderr_batch
