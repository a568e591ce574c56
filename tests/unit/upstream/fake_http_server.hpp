#pragma once
// FakeHttpServer: a scripted HTTP/1.1 server for the upstream tests, on
// 127.0.0.1 with a port chosen by the OS. Tests list the requests they expect
// with canned replies; each request is answered by the first unused
// expectation with the same method and target (so concurrent requests work),
// and everything received is recorded. A request nobody expected gets a 400 and
// is listed in unexpected(). It can also play a plain HTTP proxy: targets are
// compared as sent, so an absolute-form "http://host/path" target matches.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace regcache::upstream::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  int connection = 0;                                        // which connection it came on

  std::optional<std::string> header(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Declared length when it differs from body.size() (e.g. HEAD answers).
  std::optional<size_t> content_length;
  bool omit_content_length = false;
  // Send only this many body bytes, then close the connection...
  std::optional<size_t> cut_after;
  // ...or, with stall, stop sending and keep the connection open until the client leaves.
  bool stall = false;
  std::chrono::milliseconds delay{0};  // before answering

  static Reply with(int status, std::string body = {}) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    return reply;
  }
  Reply& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

class FakeHttpServer {
 public:
  FakeHttpServer();
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void expect(std::string method, std::string target, Reply reply);

  std::vector<ReceivedRequest> received() const;
  std::vector<std::string> unexpected() const;  // "METHOD target" of unmatched requests
  size_t pending() const;                       // expectations not used yet

 private:
  struct Expectation {
    std::string method;
    std::string target;
    Reply reply;
    bool used = false;
  };

  void accept_loop();
  void serve(int fd, int connection);
  std::optional<Reply> match(ReceivedRequest request);
  bool send_all(int fd, std::string_view data);
  void wait_for_close(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<Expectation> expectations_;  // guarded by mutex_
  std::vector<ReceivedRequest> received_;  // guarded by mutex_
  std::vector<std::string> unexpected_;    // guarded by mutex_
  std::vector<std::thread> connections_;   // guarded by mutex_
};

}  // namespace regcache::upstream::testing
