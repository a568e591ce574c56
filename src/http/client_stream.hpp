#pragma once
// ClientStream: one client connection's byte stream, plain TCP or TLS, behind
// one interface so Session and ResponseWriter do not depend on which. Every
// operation is bounded: reads by the tcp_stream's expiry (set by the caller
// with tcp().expires_after), writes and file sends by `send_timeout` without
// progress.

#include <chrono>
#include <cstdint>
#include <span>

#include "http/beast.hpp"

namespace regcache::http {

using ErrorCode = boost::system::error_code;
using RequestParser = bhttp::request_parser<bhttp::empty_body>;

class ClientStream {
 public:
  virtual ~ClientStream() = default;

  // The TCP layer: expiry, cancellation and socket options.
  virtual beast::tcp_stream& tcp() = 0;
  tcp::socket& socket() { return tcp().socket(); }
  // True when the connection is TLS.
  virtual bool secure() const = 0;

  // TLS: the server handshake, bounded by `timeout`. Plain: nothing.
  virtual asio::awaitable<ErrorCode> handshake(std::chrono::seconds timeout) = 0;
  // Reads whatever arrives (at least one byte) into `buffer`.
  virtual asio::awaitable<ErrorCode> read_some(beast::flat_buffer& buffer) = 0;
  virtual asio::awaitable<ErrorCode> read_header(beast::flat_buffer& buffer,
                                                 RequestParser& parser) = 0;
  // Writes `first`, then `second`, completely. `more`: further bytes follow at
  // once (plain TCP sends with MSG_MORE so they share packets).
  virtual asio::awaitable<ErrorCode> write_all(std::span<const char> first,
                                               std::span<const char> second, bool more,
                                               std::chrono::seconds send_timeout) = 0;
  // Sends [offset, offset + length) of the file `fd`, adding to `sent` as bytes
  // go out. Plain TCP uses sendfile(2) (zero copy); TLS reads the file through
  // one bounded buffer, since the kernel cannot encrypt for user-space TLS.
  virtual asio::awaitable<ErrorCode> send_file(int fd, uint64_t offset, uint64_t length,
                                               std::chrono::seconds send_timeout,
                                               uint64_t& sent) = 0;
  // Best effort, never waits: as much of `bytes` as the socket takes now
  // (plain TCP only; nothing under TLS, where a partial record would be garbage).
  virtual void try_write_now(std::span<const char> bytes) = 0;
  // Ends the connection: TLS close_notify (bounded), then the socket is closed.
  virtual asio::awaitable<void> close() = 0;
};

}  // namespace regcache::http
