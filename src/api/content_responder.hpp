#pragma once
// ContentResponder: sends content addressed by digest to a client, either from
// a cached file (Range, If-None-Match, sendfile) or by following an in-flight
// download (InflightFetch): the client gets bytes as they land on disk, and the
// final byte only after the digest was verified.

#include <memory>
#include <optional>
#include <string>

#include "api/response_headers.hpp"
#include "cache/direct_blob_stream.hpp"
#include "cache/inflight_fetch.hpp"
#include "http/beast.hpp"
#include "http/response_writer.hpp"
#include "registry/byte_range.hpp"
#include "storage/content_store.hpp"

namespace regcache::api {

struct ContentDescription {
  std::string digest;        // "sha256:..."
  std::string content_type;  // media type
  std::string range;         // the request's Range header ("" for none)
  std::string if_range;      // its If-Range header
  std::string if_none_match;
  std::string cache_control;  // see CachePolicy
  bool vary_accept = false;   // the answer depends on Accept (manifests by tag)
  std::string upstream;       // for error messages about a failed download
};

class ContentResponder {
 public:
  // `storage_readers` runs the blocking reads from object storage (one ranged
  // GET per chunk), away from the I/O threads.
  ContentResponder(const ResponseHeaders& headers, std::chrono::seconds stall_timeout,
                   asio::thread_pool& storage_readers)
      : headers_(headers), stall_timeout_(stall_timeout), storage_readers_(storage_readers) {}

  asio::awaitable<void> send_cached(http::ResponseWriter& writer, storage::ContentReader& reader,
                                    const ContentDescription& what) const;
  // Where a follower stands when its download lost its storage (disk full): the
  // caller continues with send_direct from `sent`.
  struct Handover {
    bool needed = false;       // continue with an uncached stream
    bool header_sent = false;  // the response head is out (only the body follows)
    uint64_t sent = 0;         // body bytes the client already has
  };
  asio::awaitable<Handover> send_inflight(http::ResponseWriter& writer,
                                          std::shared_ptr<cache::InflightFetch> fetch,
                                          const ContentDescription& what) const;
  // Sends a blob from a private uncached upstream stream (DirectBlobStream),
  // with the same guarantees as a cached one: Range, If-None-Match, and the
  // final byte only after verification. `from` continues a Handover.
  asio::awaitable<void> send_direct(http::ResponseWriter& writer,
                                    std::shared_ptr<cache::DirectBlobStream> stream,
                                    const ContentDescription& what, Handover from) const;
  // HEAD answered from a size only (upstream HEAD, nothing cached yet).
  asio::awaitable<void> send_head(http::ResponseWriter& writer, uint64_t size,
                                  const ContentDescription& what) const;

 private:
  http::bhttp::response<http::bhttp::empty_body> head_for(unsigned status, uint64_t length,
                                                          const ContentDescription& what) const;
  // The 200 head, or the 206 one with Content-Range for a satisfiable `range`
  // of content of `size` bytes; `first`/`length` say which bytes follow it.
  http::bhttp::response<http::bhttp::empty_body> head_for_range(const registry::ByteRange& range,
                                                                uint64_t size,
                                                                const ContentDescription& what,
                                                                uint64_t& first,
                                                                uint64_t& length) const;
  // Bytes read from a store without a file descriptor per read (S3: one ranged GET).
  static constexpr uint64_t kReaderChunk = 1024 * 1024;
  struct BodyRange {
    uint64_t first = 0;
    uint64_t length = 0;
  };
  // Answers 304/416/the head; the body range to send follows, or nullopt if done.
  asio::awaitable<std::optional<BodyRange>> send_content_head(http::ResponseWriter& writer,
                                                              uint64_t size,
                                                              const ContentDescription& what) const;
  asio::awaitable<void> send_from_memory(http::ResponseWriter& writer, std::string_view bytes,
                                         const ContentDescription& what) const;
  asio::awaitable<void> send_from_fd(http::ResponseWriter& writer, int fd, uint64_t size,
                                     const ContentDescription& what) const;
  // Streams from ContentReader::read_at in bounded chunks (object storage).
  asio::awaitable<void> send_from_reader(http::ResponseWriter& writer,
                                         storage::ContentReader& reader,
                                         const ContentDescription& what) const;
  asio::awaitable<cache::InflightFetch::Progress> wait_for_change(
      cache::InflightFetch& fetch, const cache::InflightFetch::Progress& seen) const;
  asio::awaitable<void> wait_for_stream(cache::DirectBlobStream& stream) const;
  bool not_modified(const ContentDescription& what) const;

  const ResponseHeaders& headers_;
  std::chrono::seconds stall_timeout_;
  asio::thread_pool& storage_readers_;
};

}  // namespace regcache::api
