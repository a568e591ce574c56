#pragma once
// BlobDownload: the BodyStream of one fetch_blob call, across all its attempts.
// It hands every byte to the BlobSink exactly once: when a broken transfer is
// resumed it checks the 206's Content-Range against the bytes already
// delivered, or skips them when the upstream answers 200 with the whole blob.

#include <cstdint>
#include <optional>
#include <string>

#include "upstream/blob_sink.hpp"
#include "upstream/http_transport.hpp"

namespace regcache::upstream {

class BlobDownload final : public BodyStream {
 public:
  explicit BlobDownload(BlobSink& sink) : sink_(sink) {}

  // The Range start for the next attempt (nullopt: no Range header).
  std::optional<uint64_t> resume_from() const;
  // Call before each attempt.
  void begin_attempt();

  Mode on_head(const ResponseHead& head) override;
  bool on_body(std::span<const char> bytes) override;

  uint64_t delivered() const { return delivered_; }
  std::optional<uint64_t> declared_size() const { return declared_; }
  bool progressed_this_attempt() const { return progressed_; }
  bool sink_refused() const { return sink_refused_; }
  // Why the stream stopped the transfer itself (a bad range, too many bytes).
  const std::string& problem() const { return problem_; }

 private:
  BlobSink& sink_;
  bool started_ = false;  // on_start was called (the first 200)
  std::optional<uint64_t> declared_;
  uint64_t delivered_ = 0;
  uint64_t skip_ = 0;  // bytes of this answer the sink already has
  bool progressed_ = false;
  bool sink_refused_ = false;
  std::string problem_;
};

}  // namespace regcache::upstream
