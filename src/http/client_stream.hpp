#pragma once
// ClientStream: one client connection's byte stream, plain TCP or TLS, behind
// one interface so Session and ResponseWriter do not depend on which. Every
// operation is bounded: reads and writes by the tcp_stream's expiry (set by the
// caller with tcp().expires_after), file sends by `send_timeout` of no progress.

#include <chrono>
#include <cstdint>

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
  virtual asio::awaitable<ErrorCode> write_header(
      bhttp::response_serializer<bhttp::empty_body>& serializer) = 0;
  virtual asio::awaitable<ErrorCode> write(bhttp::response<bhttp::string_body>& response) = 0;
  // Sends [offset, offset + length) of the file `fd`, adding to `sent` as bytes
  // go out. Plain TCP uses sendfile(2) (zero copy); TLS reads the file through
  // one bounded buffer, since the kernel cannot encrypt for user-space TLS.
  virtual asio::awaitable<ErrorCode> send_file(int fd, uint64_t offset, uint64_t length,
                                               std::chrono::seconds send_timeout,
                                               uint64_t& sent) = 0;
  // Ends the connection: TLS close_notify (bounded), then the socket is closed.
  virtual asio::awaitable<void> close() = 0;

  // TCP_CORK: while corked, the head and the first body bytes share packets.
  void cork(bool on);

 private:
  bool corked_ = false;
};

}  // namespace regcache::http
