#include "upstream/blob_download.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace regcache::upstream {

std::optional<uint64_t> BlobDownload::resume_from() const {
  if (delivered_ == 0) return std::nullopt;
  return delivered_;
}

void BlobDownload::begin_attempt() {
  skip_ = 0;
  progressed_ = false;
  problem_.clear();
}

BodyStream::Mode BlobDownload::on_head(const ResponseHead& head) {
  const long status = head.status();
  std::optional<uint64_t> length;
  if (auto value = head.get("content-length")) length = parse_decimal(*value);
  if (status == 200) {
    if (!started_) {
      started_ = true;
      declared_ = length;
      sink_.on_start(length);
    } else if (declared_ && length && *length != *declared_) {
      problem_ = fmt::format("the blob's size changed from {} to {} between attempts", *declared_,
                             *length);
      return Mode::abort;
    }
    skip_ = delivered_;  // a 200 to a Range request: the whole blob again
    return Mode::stream;
  }
  if (status == 206) {
    auto range = parse_content_range(head.get("content-range").value_or(""));
    if (!started_ || !range || range->first != delivered_ ||
        (declared_ && range->complete_length && *range->complete_length != *declared_) ||
        (declared_ && range->last + 1 != *declared_)) {
      problem_ = fmt::format("unexpected Content-Range \"{}\" when resuming at byte {}",
                             head.get("content-range").value_or(""), delivered_);
      return Mode::abort;
    }
    skip_ = 0;
    return Mode::stream;
  }
  return Mode::buffer;  // an error answer: keep its body for the message
}

bool BlobDownload::on_body(std::span<const char> bytes) {
  if (skip_ > 0) {
    auto n = static_cast<size_t>(std::min<uint64_t>(skip_, bytes.size()));
    skip_ -= n;
    bytes = bytes.subspan(n);
  }
  if (bytes.empty()) return true;
  if (declared_ && delivered_ + bytes.size() > *declared_) {
    problem_ = fmt::format("the upstream sent more than the declared {} bytes", *declared_);
    return false;
  }
  if (!sink_.on_data(bytes)) {
    sink_refused_ = true;
    return false;
  }
  delivered_ += bytes.size();
  progressed_ = true;
  return true;
}

}  // namespace regcache::upstream
