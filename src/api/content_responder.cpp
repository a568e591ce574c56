#include "api/content_responder.hpp"

#include <spdlog/spdlog.h>

#include "api/conditional_request.hpp"
#include "cache/pull_through_cache.hpp"
#include "registry/byte_range.hpp"

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
  int fd = reader.native_handle();
  if (fd < 0) {
    // Every backend so far is file based; a streaming path comes with object storage.
    co_await writer.send(headers_.error(registry::ErrorCode::unavailable, "content not readable"));
    co_return;
  }
  co_await send_from_fd(writer, fd, reader.size(), what);
}

asio::awaitable<void> ContentResponder::send_from_fd(http::ResponseWriter& writer, int fd,
                                                     uint64_t size,
                                                     const ContentDescription& what) const {
  if (!what.if_none_match.empty() && if_none_match_matches(what.if_none_match, what.digest)) {
    auto response = head_for(304, 0, what);
    response.erase(bhttp::field::content_length);
    response.erase(bhttp::field::content_type);
    co_await writer.send_header(std::move(response));
    co_return;
  }
  // If-Range that does not match: the client's partial copy is of something
  // else, so it gets the whole content.
  const bool range_applies = what.if_range.empty() || if_range_matches(what.if_range, what.digest);
  auto range = registry::parse_byte_range(range_applies ? what.range : std::string(), size);
  if (range.kind == ByteRange::Kind::unsatisfiable) {
    auto response = headers_.error(registry::ErrorCode::range_invalid, "requested range not satisfiable");
    response.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
    co_await writer.send(std::move(response));
    co_return;
  }
  uint64_t first = 0, length = size;
  unsigned status = 200;
  if (range.kind == ByteRange::Kind::partial) {
    first = range.first;
    length = range.length();
    status = 206;
  }
  auto response = head_for(status, length, what);
  if (status == 206) {
    response.set(bhttp::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                  std::to_string(range.last) + "/" +
                                                  std::to_string(size));
  }
  if (!co_await writer.send_header(std::move(response))) co_return;
  if (writer.head_request() || length == 0) co_return;
  co_await writer.send_file_range(fd, first, length);
}

asio::awaitable<InflightFetch::Progress> ContentResponder::wait_for_change(
    InflightFetch& fetch, const InflightFetch::Progress& seen) const {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor);
  // The timeout only bounds a lost wake-up; the download has its own stall timeout.
  timer->expires_after(stall_timeout_);
  fetch.notify_when_changed(seen, [timer, executor] {
    asio::post(executor, [timer] { timer->cancel(); });
  });
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return fetch.progress();
}

asio::awaitable<void> ContentResponder::send_inflight(http::ResponseWriter& writer,
                                                      std::shared_ptr<InflightFetch> fetch,
                                                      const ContentDescription& what) const {
  auto progress = fetch->progress();
  // Wait for the upstream answer: a size to announce, or the end.
  while (progress.state == InflightFetch::State::starting ||
         (progress.state == InflightFetch::State::streaming && !progress.total_size)) {
    progress = co_await wait_for_change(*fetch, progress);
  }
  if (progress.state == InflightFetch::State::failed) {
    auto error = cache::to_cache_error(*fetch->failure(), what.upstream,
                                       registry::ErrorCode::blob_unknown);
    auto response = headers_.error(error.code, error.message);
    if (error.retry_after) response.set(bhttp::field::retry_after, *error.retry_after);
    co_await writer.send(std::move(response));
    co_return;
  }
  const uint64_t total = *progress.total_size;
  // Ranges, conditional requests and empty blobs are answered once the blob is verified.
  if (!what.range.empty() || !what.if_none_match.empty() || total == 0) {
    while (progress.state == InflightFetch::State::streaming) {
      progress = co_await wait_for_change(*fetch, progress);
    }
    if (progress.state == InflightFetch::State::failed) {
      co_await writer.send(headers_.error(registry::ErrorCode::unavailable,
                                          "upstream download failed: " + fetch->failure()->message));
      co_return;
    }
    co_await send_from_fd(writer, fetch->file_descriptor(), total, what);
    co_return;
  }

  if (!co_await writer.send_header(head_for(200, total, what))) co_return;
  if (writer.head_request()) co_return;
  const int fd = fetch->file_descriptor();
  uint64_t sent = 0;
  while (sent < total) {
    if (progress.state == InflightFetch::State::failed ||
        (progress.state == InflightFetch::State::complete && progress.available != total)) {
      spdlog::warn("cache: download of {} failed while streaming; closing the client connection",
                   what.digest);
      writer.abort();
      co_return;
    }
    // Hold back the last byte until the digest is verified.
    uint64_t sendable = progress.state == InflightFetch::State::complete
                            ? progress.available
                            : std::min(progress.available, total - 1);
    if (sendable > sent) {
      if (!co_await writer.send_file_range(fd, sent, sendable - sent)) co_return;
      sent = sendable;
      progress = fetch->progress();
      continue;
    }
    progress = co_await wait_for_change(*fetch, progress);
  }
}

}  // namespace regcache::api
