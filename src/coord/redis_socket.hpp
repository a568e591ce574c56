#pragma once
// RedisSocket: the transport under RedisConnection, plain TCP or TLS alike.
// Blocking and simple on purpose: commands are tiny and one at a time (the
// connection's mutex), so a dial timeout (non-blocking connect and poll, the
// TLS handshake included) and an I/O timeout per read or write
// (SO_RCVTIMEO/SO_SNDTIMEO) bound how long a thread waits on Redis.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct ssl_st;

namespace regcache::coord {

class RedisTls;

class RedisSocket {
 public:
  // Connects to host:port; over TLS when `tls` (SNI and the certificate checked
  // against `host`, a name or an IP address, unless the context skips that).
  // nullptr with `error` set (ready for the log) when it cannot.
  static std::unique_ptr<RedisSocket> connect(const std::string& host, int port,
                                              const RedisTls* tls,
                                              std::chrono::milliseconds dial_timeout,
                                              std::chrono::milliseconds io_timeout,
                                              std::string& error);
  ~RedisSocket();
  RedisSocket(const RedisSocket&) = delete;
  RedisSocket& operator=(const RedisSocket&) = delete;

  // All of `bytes`, or false with `error` set.
  bool send(std::string_view bytes, std::string& error);
  // What has arrived, at least one byte, or 0 with `error` set (closed by
  // Redis, timed out, a TLS failure).
  size_t receive(char* buffer, size_t size, std::string& error);
  // Redis asked for a client certificate and regcache had none to present.
  bool certificate_wanted() const;
  // "TLSv1.3" or "plain TCP", for the log.
  std::string protocol() const;

 private:
  RedisSocket(int fd, ssl_st* ssl) : fd_(fd), ssl_(ssl) {}

  int fd_;
  ssl_st* ssl_;  // nullptr: plain TCP
};

}  // namespace regcache::coord
