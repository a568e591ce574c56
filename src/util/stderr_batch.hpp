#pragma once
// Log lines written on an I/O thread are collected and written to stderr with
// one write(2) per turn of that thread's event loop, instead of one write (or
// one hand-over to a logging thread, with a wake-up each) per request. A turn
// ends with the flush the first line of a batch posts to the thread's own
// io_context, so lines are out within the same turn and never reordered.
// Lines written on any other thread go out at once.
//
// Batches stay below PIPE_BUF, so a write to a pipe (docker, journald) is one
// piece and never interleaves with lines of other threads.

#include <string_view>

#include "util/asio.hpp"

namespace regcache::stderr_batch {

// This thread collects its lines and flushes them from `io`; it must be the
// thread that runs `io`.
void attach(asio::io_context& io);
// Writes what this thread has collected; from now on its lines go out at once.
void detach();
// Writes or collects whole lines (each ending in '\n').
void write(std::string_view lines);

}  // namespace regcache::stderr_batch
