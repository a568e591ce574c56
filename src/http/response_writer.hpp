#pragma once
// ResponseWriter: how a handler answers one request on a connection.
//
// The head is serialized here and written through the connection's
// ClientStream. On plain TCP that means non-blocking send(2)/sendfile(2) first,
// with an asynchronous wait only when the socket is full, so a small answer
// costs no reactor round trip; under TLS the bytes go through OpenSSL. The head
// of an answer with a body is held until the body starts: a body of up to
// kInlineBodyMax bytes is read with pread(2) and leaves in the same write as
// the head; a larger one follows the head (sent with MSG_MORE on plain TCP, so
// they share a packet) via the stream's file path (zero-copy sendfile on plain
// TCP, a bounded buffer under TLS).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/access_note.hpp"
#include "http/beast.hpp"
#include "http/client_stream.hpp"
#include "http/server_limits.hpp"

namespace regcache::http {

class ResponseWriter {
 public:
  // Bodies up to this size are copied into the head's buffer (one syscall).
  static constexpr uint64_t kInlineBodyMax = 16 * 1024;

  ResponseWriter(ClientStream& stream, const ServerLimits& limits, bool head_request,
                 unsigned version, bool keep_alive);

  // Every answer then carries X-Request-ID and, once the handler noted how the
  // cache answered (`note`, may be null), X-Cache: hit|miss|coalesced|stale.
  void identify(std::string request_id, const AccessNote* note) {
    request_id_ = std::move(request_id);
    note_ = note;
  }

  // A complete answer with a small body (errors, JSON, manifests from memory).
  asio::awaitable<bool> send(bhttp::response<bhttp::string_body> response);
  // The head of an answer whose body follows via send_file_range (Content-Length
  // must be set). For HEAD requests, and when Content-Length is 0 or absent, the
  // head is sent now; otherwise it goes out with the first bytes of the body.
  asio::awaitable<bool> send_header(bhttp::response<bhttp::empty_body> response);
  // Sends [offset, offset+length) of the file `fd`. False on error or timeout.
  asio::awaitable<bool> send_file_range(int fd, uint64_t offset, uint64_t length);
  // Sends body bytes from memory (content streamed without a file). False on
  // error or timeout.
  asio::awaitable<bool> send_body_bytes(std::string_view bytes);
  // Marks the connection for closing without completing the response: the
  // client sees a truncated body, never a complete wrong one. A head still held
  // back is sent first (best effort, plain TCP only), as if its body had broken off.
  void abort();

  bool head_request() const { return head_request_; }
  unsigned status() const { return status_; }
  uint64_t body_bytes_sent() const { return body_bytes_; }
  bool keep_alive() const { return keep_alive_ && !aborted_; }
  bool responded() const { return status_ != 0; }
  // A head announced a body that was never sent.
  bool head_pending() const { return head_pending_; }

 private:
  template <class Body>
  void add_identity(bhttp::response<Body>& response) const;
  template <class Body>
  void start_head(bhttp::response<Body>& response);
  asio::awaitable<bool> write_all(std::span<const char> first, std::span<const char> second,
                                  bool more);

  ClientStream& stream_;
  const ServerLimits& limits_;
  bool head_request_;
  unsigned version_;
  bool keep_alive_;
  bool aborted_ = false;
  bool head_pending_ = false;
  unsigned status_ = 0;
  uint64_t body_bytes_ = 0;
  std::string head_;  // the serialized head (and an inline body)
  std::string request_id_;
  const AccessNote* note_ = nullptr;
};

}  // namespace regcache::http
