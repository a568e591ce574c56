#pragma once
// RedisTls: the OpenSSL client context for TLS to Redis (redis.tls): which CAs
// are trusted for the server certificate (the system's plus an optional PEM
// file), whether it is checked at all, and the client certificate Redis asks
// for by default (tls-auth-clients yes). Built once at start-up and shared by
// every connection, including every node of a Redis Cluster.

#include <memory>
#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace regcache::coord {

struct RedisTlsOptions {
  std::string ca_file;  // empty: the system CAs only
  bool skip_verify = false;
  std::string certificate;  // PEM chain, leaf first; empty: no client certificate
  std::string key;          // PEM private key of `certificate`
};

class RedisTls {
 public:
  // Throws std::runtime_error saying which file cannot be used and why.
  explicit RedisTls(const RedisTlsOptions& options);
  ~RedisTls();
  RedisTls(const RedisTls&) = delete;
  RedisTls& operator=(const RedisTls&) = delete;

  ssl_ctx_st* context() const { return context_; }
  bool verifies() const { return !skip_verify_; }
  // Whether the server of `connection` asked for a client certificate while
  // regcache has none to give (Redis' tls-auth-clients yes then drops it).
  static bool certificate_wanted(const ssl_st* connection);

 private:
  ssl_ctx_st* context_ = nullptr;
  bool skip_verify_ = false;
};

}  // namespace regcache::coord
