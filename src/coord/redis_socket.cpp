#include "coord/redis_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "coord/redis_tls.hpp"

namespace regcache::coord {
namespace {

using Clock = std::chrono::steady_clock;

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

void set_timeouts(int fd, std::chrono::milliseconds timeout) {
  const timeval tv = to_timeval(timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string system_error(int code) {
  if (code == EAGAIN || code == EWOULDBLOCK) return "timed out";
  return std::strerror(code);
}

// One address: a non-blocking connect, polled until `deadline`.
bool connect_within(int fd, const addrinfo& address, Clock::time_point deadline,
                    std::string& error) {
  if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) return true;
  if (errno != EINPROGRESS) {
    error = system_error(errno);
    return false;
  }
  pollfd waiting{fd, POLLOUT, 0};
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int ready = left > 0 ? ::poll(&waiting, 1, static_cast<int>(left)) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      error = "connection timed out (redis.dialtimeout)";
      return false;
    }
    if (ready < 0) {
      error = system_error(errno);
      return false;
    }
    break;
  }
  int code = 0;
  socklen_t length = sizeof code;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0) code = errno;
  if (code != 0) {
    error = system_error(code);
    return false;
  }
  return true;
}

// A connected, blocking TCP socket to host:port, or -1 with `error` set.
int connect_tcp(const std::string& host, int port, Clock::time_point deadline, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (resolved != 0) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(resolved);
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  error = "no address for " + host;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = system_error(errno);
      continue;
    }
    if (connect_within(fd, *a, deadline, error)) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      return fd;
    }
    ::close(fd);
  }
  return -1;
}

// OpenSSL's socket BIO writes with write(2): a Redis that went away would raise
// SIGPIPE and end the process. This BIO sends with MSG_NOSIGNAL instead.
int bio_write(BIO* bio, const char* data, int size) {
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
  ssize_t n;
  do {
    n = ::send(fd, data, static_cast<size_t>(size), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  BIO_clear_retry_flags(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
  ssize_t n;
  do {
    n = ::recv(fd, data, static_cast<size_t>(size), 0);
  } while (n < 0 && errno == EINTR);
  BIO_clear_retry_flags(bio);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "regcache redis");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

// Why a TLS call failed, from OpenSSL's error queue or errno.
std::string tls_error(ssl_st* ssl, int result, int saved_errno) {
  const int kind = SSL_get_error(ssl, result);
  const unsigned long code = ERR_peek_last_error();
  std::string why;
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    why = reason != nullptr ? reason : "TLS error";
  } else if (kind == SSL_ERROR_ZERO_RETURN || (kind == SSL_ERROR_SYSCALL && saved_errno == 0)) {
    why = "connection closed by Redis";
  } else if (kind == SSL_ERROR_SYSCALL) {
    why = system_error(saved_errno);
  } else {
    why = "TLS error " + std::to_string(kind);
  }
  ERR_clear_error();
  return why;
}

bool is_ip_address(const std::string& host) {
  in6_addr ignored;
  return ::inet_pton(AF_INET, host.c_str(), &ignored) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &ignored) == 1;
}

// The TLS handshake over a connected `fd`; nullptr with `error` set.
ssl_st* handshake(int fd, const std::string& host, const RedisTls& tls, std::string& error) {
  ERR_clear_error();
  ssl_st* ssl = SSL_new(tls.context());
  BIO* bio = ssl != nullptr ? BIO_new(socket_bio_method()) : nullptr;
  if (bio == nullptr) {
    if (ssl != nullptr) SSL_free(ssl);
    error = "TLS: cannot set up the connection";
    ERR_clear_error();
    return nullptr;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  SSL_set_bio(ssl, bio, bio);
  // SNI is for names only (RFC 6066); the certificate must match either.
  if (is_ip_address(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  }
  const int result = SSL_connect(ssl);
  if (result == 1) return ssl;
  const int saved_errno = errno;
  const long verified = SSL_get_verify_result(ssl);
  if (tls.verifies() &&
      (verified == X509_V_ERR_HOSTNAME_MISMATCH || verified == X509_V_ERR_IP_ADDRESS_MISMATCH)) {
    error = "TLS: the Redis server's certificate is not valid for " + host + " (" +
            X509_verify_cert_error_string(verified) + ")";
    ERR_clear_error();
  } else if (tls.verifies() && verified != X509_V_OK) {
    error = std::string("TLS: the Redis server's certificate is not trusted: ") +
            X509_verify_cert_error_string(verified) + " (redis.tls.ca names the CA that signed it)";
    ERR_clear_error();
  } else {
    error = "TLS handshake failed: " + tls_error(ssl, result, saved_errno);
  }
  SSL_free(ssl);
  return nullptr;
}

}  // namespace

std::unique_ptr<RedisSocket> RedisSocket::connect(const std::string& host, int port,
                                                  const RedisTls* tls,
                                                  std::chrono::milliseconds dial_timeout,
                                                  std::chrono::milliseconds io_timeout,
                                                  std::string& error) {
  const auto deadline = Clock::now() + dial_timeout;
  const int fd = connect_tcp(host, port, deadline, error);
  if (fd < 0) return nullptr;
  ssl_st* ssl = nullptr;
  if (tls != nullptr) {
    // The handshake gets what is left of the dial timeout.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    set_timeouts(fd, std::max(left, std::chrono::milliseconds(1)));
    ssl = handshake(fd, host, *tls, error);
    if (ssl == nullptr) {
      ::close(fd);
      return nullptr;
    }
  }
  set_timeouts(fd, io_timeout);
  return std::unique_ptr<RedisSocket>(new RedisSocket(fd, ssl));
}

RedisSocket::~RedisSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // no close_notify: Redis does not need one
  ::close(fd_);
}

bool RedisSocket::send(std::string_view bytes, std::string& error) {
  while (!bytes.empty()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) {
        error = tls_error(ssl_, n, errno);
        return false;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    } else {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = system_error(errno);
        return false;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  return true;
}

size_t RedisSocket::receive(char* buffer, size_t size, std::string& error) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buffer, static_cast<int>(size));
    if (n > 0) return static_cast<size_t>(n);
    error = tls_error(ssl_, n, errno);
    return 0;
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n < 0 && errno == EINTR) continue;
    error = n == 0 ? "connection closed by Redis" : system_error(errno);
    return 0;
  }
}

bool RedisSocket::certificate_wanted() const {
  return ssl_ != nullptr && RedisTls::certificate_wanted(ssl_);
}

std::string RedisSocket::protocol() const {
  return ssl_ != nullptr ? SSL_get_version(ssl_) : "plain TCP";
}

}  // namespace regcache::coord
