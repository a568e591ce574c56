#include "api/content_responder.hpp"

#include <spdlog/spdlog.h>

#include "api/conditional_request.hpp"
#include "cache/pull_through_cache.hpp"
#include "registry/byte_range.hpp"
#include "util/offload.hpp"

namespace regcache::api {

namespace bhttp = http::bhttp;
using cache::InflightFetch;
using registry::ByteRange;

bhttp::response<bhttp::empty_body> ContentResponder::head_for(
    unsigned status, uint64_t length, const ContentDescription& what) const {
  bhttp::response<bhttp::empty_body> response;
  response.result(status);
  response.set(bhttp::field::content_type, what.content_type);
  response.content_length(length);
  response.set("Docker-Content-Digest", what.digest);
  response.set(bhttp::field::etag, "\"" + what.digest + "\"");
  response.set(bhttp::field::accept_ranges, "bytes");
  if (!what.cache_control.empty()) response.set(bhttp::field::cache_control, what.cache_control);
  if (what.vary_accept) response.set(bhttp::field::vary, "Accept");
  headers_.apply(response);
  return response;
}

asio::awaitable<void> ContentResponder::send_head(http::ResponseWriter& writer, uint64_t size,
                                                  const ContentDescription& what) const {
  co_await writer.send_header(head_for(200, size, what));
}

asio::awaitable<void> ContentResponder::send_cached(http::ResponseWriter& writer,
                                                    storage::ContentReader& reader,
                                                    const ContentDescription& what) const {
  if (auto bytes = reader.in_memory()) {
    co_await send_from_memory(writer, *bytes, what);
    co_return;
  }
  int fd = reader.native_handle();
  if (fd < 0) {
    co_await send_from_reader(writer, reader, what);  // object storage: no descriptor
    co_return;
  }
  co_await send_from_fd(writer, fd, reader.size(), what);
}

bhttp::response<bhttp::empty_body> ContentResponder::head_for_range(const ByteRange& range,
                                                                    uint64_t size,
                                                                    const ContentDescription& what,
                                                                    uint64_t& first,
                                                                    uint64_t& length) const {
  if (range.kind != ByteRange::Kind::partial) {
    first = 0;
    length = size;
    return head_for(200, length, what);
  }
  first = range.first;
  length = range.length();
  auto response = head_for(206, length, what);
  response.set(bhttp::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                std::to_string(range.last) + "/" +
                                                std::to_string(size));
  return response;
}

bool ContentResponder::not_modified(const ContentDescription& what) const {
  return !what.if_none_match.empty() && if_none_match_matches(what.if_none_match, what.digest);
}

asio::awaitable<std::optional<ContentResponder::BodyRange>> ContentResponder::send_content_head(
    http::ResponseWriter& writer, uint64_t size, const ContentDescription& what) const {
  if (not_modified(what)) {
    auto response = head_for(304, 0, what);
    response.erase(bhttp::field::content_length);
    response.erase(bhttp::field::content_type);
    co_await writer.send_header(std::move(response));
    co_return std::nullopt;
  }
  // If-Range that does not match: the client's partial copy is of something
  // else, so it gets the whole content.
  const bool range_applies = what.if_range.empty() || if_range_matches(what.if_range, what.digest);
  auto range = registry::parse_byte_range(range_applies ? what.range : std::string(), size);
  if (range.kind == ByteRange::Kind::unsatisfiable) {
    auto response =
        headers_.error(registry::ErrorCode::range_invalid, "requested range not satisfiable");
    response.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
    co_await writer.send(std::move(response));
    co_return std::nullopt;
  }
  uint64_t first = 0, length = 0;
  if (!co_await writer.send_header(head_for_range(range, size, what, first, length))) {
    co_return std::nullopt;
  }
  if (writer.head_request() || length == 0) co_return std::nullopt;
  co_return BodyRange{first, length};
}

asio::awaitable<void> ContentResponder::send_from_fd(http::ResponseWriter& writer, int fd,
                                                     uint64_t size,
                                                     const ContentDescription& what) const {
  auto range = co_await send_content_head(writer, size, what);
  if (!range) co_return;
  co_await writer.send_file_range(fd, range->first, range->length);
}

asio::awaitable<void> ContentResponder::send_from_memory(http::ResponseWriter& writer,
                                                         std::string_view bytes,
                                                         const ContentDescription& what) const {
  auto range = co_await send_content_head(writer, bytes.size(), what);
  if (!range) co_return;
  co_await writer.send_body_bytes(bytes.substr(range->first, range->length));
}

asio::awaitable<void> ContentResponder::send_from_reader(http::ResponseWriter& writer,
                                                         storage::ContentReader& reader,
                                                         const ContentDescription& what) const {
  auto range = co_await send_content_head(writer, reader.size(), what);
  if (!range) co_return;
  // One buffer of kReaderChunk per response bounds the memory by connections.
  std::string chunk;
  uint64_t at = range->first;
  const uint64_t end = range->first + range->length;
  while (at < end) {
    chunk.resize(static_cast<size_t>(std::min<uint64_t>(kReaderChunk, end - at)));
    auto got = co_await offload(storage_readers_, [&reader, &chunk, at] {
      return reader.read_at(at, std::span<char>(chunk.data(), chunk.size()));
    });
    if (!got.ok() || got.value() == 0) {
      spdlog::warn("storage: reading {} at {} failed: {}; closing the client connection",
                   what.digest, at, got.ok() ? "unexpected end" : got.error().message());
      writer.abort();
      co_return;
    }
    if (!co_await writer.send_body_bytes(std::string_view(chunk.data(), got.value()))) co_return;
    at += got.value();
  }
}

asio::awaitable<InflightFetch::Progress> ContentResponder::wait_for_change(
    InflightFetch& fetch, const InflightFetch::Progress& seen) const {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor);
  // The timeout only bounds a lost wake-up; the download has its own stall timeout.
  timer->expires_after(stall_timeout_);
  fetch.notify_when_changed(
      seen, [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return fetch.progress();
}

asio::awaitable<ContentResponder::Handover> ContentResponder::send_inflight(
    http::ResponseWriter& writer, std::shared_ptr<InflightFetch> fetch,
    const ContentDescription& what) const {
  auto progress = fetch->progress();
  // Wait for the upstream answer: a size to announce, or the end.
  while (progress.state == InflightFetch::State::starting ||
         (progress.state == InflightFetch::State::streaming && !progress.total_size)) {
    progress = co_await wait_for_change(*fetch, progress);
  }
  if (progress.state == InflightFetch::State::failed && fetch->storage_failed()) {
    co_return Handover{true, false, 0};
  }
  if (progress.state == InflightFetch::State::failed) {
    auto error =
        cache::to_cache_error(*fetch->failure(), what.upstream, registry::ErrorCode::blob_unknown);
    auto response = headers_.error(error.code, error.message);
    if (error.retry_after) response.set(bhttp::field::retry_after, *error.retry_after);
    co_await writer.send(std::move(response));
    co_return Handover{};
  }
  const uint64_t total = *progress.total_size;
  // Ranges, conditional requests and empty blobs are answered once the blob is verified.
  if (!what.range.empty() || !what.if_none_match.empty() || total == 0) {
    while (progress.state == InflightFetch::State::streaming) {
      progress = co_await wait_for_change(*fetch, progress);
    }
    if (progress.state == InflightFetch::State::failed && fetch->storage_failed()) {
      co_return Handover{true, false, 0};
    }
    if (progress.state == InflightFetch::State::failed) {
      co_await writer.send(
          headers_.error(registry::ErrorCode::unavailable,
                         "upstream download failed: " + fetch->failure()->message));
      co_return Handover{};
    }
    co_await send_from_fd(writer, fetch->file_descriptor(), total, what);
    co_return Handover{};
  }

  if (!co_await writer.send_header(head_for(200, total, what))) co_return Handover{};
  if (writer.head_request()) co_return Handover{};
  const int fd = fetch->file_descriptor();
  uint64_t sent = 0;
  while (sent < total) {
    if (progress.state == InflightFetch::State::failed && fetch->storage_failed()) {
      co_return Handover{true, true, sent};
    }
    const bool finished = progress.state == InflightFetch::State::verified ||
                          progress.state == InflightFetch::State::complete;
    if (progress.state == InflightFetch::State::failed ||
        (finished && progress.available != total)) {
      spdlog::warn("cache: download of {} failed while streaming; closing the client connection",
                   what.digest);
      writer.abort();
      co_return Handover{};
    }
    // Hold back the last byte until the digest is verified.
    uint64_t sendable = finished ? progress.available : std::min(progress.available, total - 1);
    if (sendable > sent) {
      if (!co_await writer.send_file_range(fd, sent, sendable - sent)) co_return Handover{};
      sent = sendable;
      progress = fetch->progress();
      continue;
    }
    progress = co_await wait_for_change(*fetch, progress);
  }
  co_return Handover{};
}

asio::awaitable<void> ContentResponder::wait_for_stream(cache::DirectBlobStream& stream) const {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor);
  // Bounds a lost wake-up only; the upstream transfer has its own stall timeout.
  timer->expires_after(stall_timeout_);
  stream.notify_when_ready(
      [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> ContentResponder::send_direct(http::ResponseWriter& writer,
                                                    std::shared_ptr<cache::DirectBlobStream> stream,
                                                    const ContentDescription& what,
                                                    Handover from) const {
  using State = cache::DirectBlobStream::State;
  // However this coroutine ends (client gone, shutdown), the transfer stops.
  struct CancelOnExit {
    cache::DirectBlobStream& stream;
    ~CancelOnExit() { stream.cancel(); }
  } cancel_on_exit{*stream};

  while (stream->state() == State::starting) co_await wait_for_stream(*stream);
  const auto total = stream->total_size();
  if (stream->state() == State::failed || !total) {
    if (from.header_sent) {
      writer.abort();
      co_return;
    }
    auto error = stream->failure()
                     ? cache::to_cache_error(*stream->failure(), what.upstream,
                                             registry::ErrorCode::blob_unknown)
                     : cache::CacheError{registry::ErrorCode::unavailable,
                                         "upstream did not announce the blob size", std::nullopt};
    auto response = headers_.error(error.code, error.message);
    if (error.retry_after) response.set(bhttp::field::retry_after, *error.retry_after);
    co_await writer.send(std::move(response));
    co_return;
  }

  uint64_t first = from.sent, length = *total - std::min(*total, from.sent);
  if (!from.header_sent) {
    if (not_modified(what)) {
      auto response = head_for(304, 0, what);
      response.erase(bhttp::field::content_length);
      response.erase(bhttp::field::content_type);
      co_await writer.send_header(std::move(response));
      co_return;
    }
    auto range = registry::parse_byte_range(what.range, *total);
    if (range.kind == ByteRange::Kind::unsatisfiable) {
      auto response =
          headers_.error(registry::ErrorCode::range_invalid, "requested range not satisfiable");
      response.set(bhttp::field::content_range, "bytes */" + std::to_string(*total));
      co_await writer.send(std::move(response));
      co_return;
    }
    if (!co_await writer.send_header(head_for_range(range, *total, what, first, length))) {
      co_return;
    }
    if (writer.head_request() || length == 0) co_return;
  }

  // `position` counts stream bytes consumed; the client gets [first, first+length),
  // its final byte only once the whole blob has been verified.
  const uint64_t end = first + length;
  uint64_t position = 0;
  std::string chunk;
  while (position < end) {
    chunk.clear();
    const bool complete = stream->state() == State::complete;
    stream->take(chunk, cache::DirectBlobStream::kWindow);
    if (chunk.empty()) {
      auto state = stream->state();
      if (state == State::failed || (state == State::complete && complete)) {
        spdlog::warn("cache: uncached transfer of {} failed; closing the client connection",
                     what.digest);
        writer.abort();
        co_return;
      }
      if (state != State::complete) co_await wait_for_stream(*stream);
      continue;
    }
    uint64_t chunk_begin = position;
    position += chunk.size();
    uint64_t from_byte = std::max(chunk_begin, first);
    uint64_t to_byte = std::min(position, end);
    if (to_byte <= from_byte) continue;
    if (to_byte == end) {
      // Hold back the final byte until the digest is verified.
      while (stream->state() == State::streaming) {
        std::string rest;
        if (to_byte - from_byte > 1 &&
            !co_await writer.send_body_bytes(
                std::string_view(chunk).substr(from_byte - chunk_begin, to_byte - from_byte - 1))) {
          co_return;
        }
        from_byte = std::max(from_byte, to_byte - 1);
        co_await wait_for_stream(*stream);
        // Bytes arriving meanwhile lie past `end`: they are not ours to send.
        stream->take(rest, cache::DirectBlobStream::kWindow);
      }
      if (stream->state() != State::complete) {
        writer.abort();
        co_return;
      }
    }
    if (!co_await writer.send_body_bytes(
            std::string_view(chunk).substr(from_byte - chunk_begin, to_byte - from_byte))) {
      co_return;
    }
  }
}

}  // namespace regcache::api
