#pragma once
#include <cstdint>
#include <optional>
#include <span>

namespace regcache::upstream {

// Receives a blob's bytes from RegistryClient::fetch_blob, in order, exactly once
// each, even when the client resumes a broken transfer with a Range request.
class BlobSink {
 public:
  virtual ~BlobSink() = default;
  // Called once before any data. total_size is the blob's full size when the
  // upstream declared it (Content-Length of the 200 answer).
  virtual void on_start(std::optional<uint64_t> total_size) = 0;
  // Returns false to abort the transfer (the fetch then fails with `aborted`).
  virtual bool on_data(std::span<const char> bytes) = 0;
};

}  // namespace regcache::upstream
