#pragma once
// ResponseWriter: how a handler answers one request on a connection. Small
// answers go out in one write; file content goes out through the connection's
// ClientStream (sendfile(2) on plain TCP, a bounded buffer through TLS), with
// the socket corked so the head and the first bytes share a packet.

#include <cstdint>
#include <string>

#include "http/beast.hpp"
#include "http/client_stream.hpp"
#include "http/server_limits.hpp"

namespace regcache::http {

class ResponseWriter {
 public:
  ResponseWriter(ClientStream& stream, const ServerLimits& limits, bool head_request,
                 unsigned version, bool keep_alive);

  // A complete answer with a small body (errors, JSON, manifests from memory).
  asio::awaitable<bool> send(bhttp::response<bhttp::string_body> response);
  // The head of an answer whose body follows via send_file_range (Content-Length
  // must be set). For HEAD requests nothing follows.
  asio::awaitable<bool> send_header(bhttp::response<bhttp::empty_body> response);
  // Sends [offset, offset+length) of the file `fd`. False on error or timeout.
  asio::awaitable<bool> send_file_range(int fd, uint64_t offset, uint64_t length);
  // Marks the connection for closing without completing the response: the
  // client sees a truncated body, never a complete wrong one.
  void abort();

  bool head_request() const { return head_request_; }
  unsigned status() const { return status_; }
  uint64_t body_bytes_sent() const { return body_bytes_; }
  bool keep_alive() const { return keep_alive_ && !aborted_; }
  bool responded() const { return status_ != 0; }

 private:
  ClientStream& stream_;
  const ServerLimits& limits_;
  bool head_request_;
  unsigned version_;
  bool keep_alive_;
  bool aborted_ = false;
  unsigned status_ = 0;
  uint64_t body_bytes_ = 0;
};

}  // namespace regcache::http
