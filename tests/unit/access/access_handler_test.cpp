// The access gate on a real loopback server: origin secret and address lists,
// health paths, rate limits, htpasswd with Docker's Basic flow, the CDN
// redirect and per-client download limits.
#include "access/access_handler.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>

#include "support/loopback_server.hpp"
#include "support/temp_dir.hpp"

namespace regcache::access {
namespace {

using test_support::LoopbackServer;
using test_support::TestClient;
namespace bhttp = http::bhttp;

constexpr const char* kBlob =
    "/v2/library/alpine/blobs/"
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr const char* kSlowBlob =
    "/v2/library/slow/blobs/"
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// The API behind the gate: "ok" for everything; the slow blob waits until released.
class FakeRegistry final : public http::RequestHandler {
 public:
  asio::awaitable<void> handle(const http::RequestContext& context,
                               http::ResponseWriter& writer) override {
    if (context.request.target() == kSlowBlob) {
      waiting_ = true;
      asio::steady_timer tick(co_await asio::this_coro::executor);
      for (int i = 0; i < 3000 && !released_; ++i) {  // at most 30 s
        tick.expires_after(std::chrono::milliseconds(10));
        boost::system::error_code ec;
        co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      waiting_ = false;
    }
    bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
    response.body() = "ok user=" + context.note.user;
    co_await writer.send(std::move(response));
  }
  bhttp::response<bhttp::string_body> reject(unsigned status, std::string message) override {
    bhttp::response<bhttp::string_body> response;
    response.result(status);
    response.body() = std::move(message);
    return response;
  }
  bool waiting() const { return waiting_; }
  void release() { released_ = true; }

 private:
  std::atomic<bool> waiting_{false};
  std::atomic<bool> released_{false};
};

std::string bcrypt(const std::string& password) {
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* salt = crypt_gensalt_rn("$2y$", 4, nullptr, 0, data.setting, sizeof data.setting);
  return crypt_rn(password.c_str(), salt, &data, sizeof data);
}

template <class Predicate>
bool eventually(Predicate predicate) {
  for (int i = 0; i < 500; ++i) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class AccessHandlerTest : public ::testing::Test {
 protected:
  std::unique_ptr<AccessHandler> gate(AccessControls controls) {
    return std::make_unique<AccessHandler>(api_, headers_, std::move(controls), workers_);
  }

  test_support::TempDir dir_;
  FakeRegistry api_;
  api::ResponseHeaders headers_{{}};
  asio::thread_pool workers_{1};
};

TEST_F(AccessHandlerTest, OriginSecretAndAddressLists) {
  config::OriginConfig origin;
  origin.secrets = {"old-secret-0123456789", "new-secret-0123456789"};
  origin.deny = {"127.0.0.3"};
  origin.health_allow = {"127.0.0.0/30"};
  AccessControls controls;
  controls.origin = std::make_unique<OriginGuard>(origin);
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);

  TestClient client(server.port());
  auto without = client.get("/v2/");
  EXPECT_EQ(without.status, 403u);
  EXPECT_NE(without.body.find("\"DENIED\""), std::string::npos);
  EXPECT_EQ(without.header("cache-control"), "no-store");
  EXPECT_EQ(client.get("/v2/", {{"X-CDN-Auth", "wrong"}}).status, 403u);
  EXPECT_EQ(client.get("/v2/", {{"X-CDN-Auth", "old-secret-0123456789"}}).status, 200u);
  EXPECT_EQ(client.get("/v2/", {{"X-CDN-Auth", "new-secret-0123456789"}}).status, 200u)
      << "both secrets work during a rotation";
  EXPECT_EQ(client.get("/healthz").status, 200u) << "health needs no secret";
  EXPECT_EQ(client.get("/healthz?verbose").status, 200u);

  TestClient denied(server.port(), "127.0.0.3");
  EXPECT_EQ(denied.get("/v2/", {{"X-CDN-Auth", "new-secret-0123456789"}}).status, 403u);
  EXPECT_EQ(denied.get("/healthz").status, 200u) << "health has its own allow list";
  TestClient outside(server.port(), "127.0.0.4");
  EXPECT_EQ(outside.get("/healthz").status, 403u);
}

TEST_F(AccessHandlerTest, AllowListAdmitsOnlyListedClients) {
  config::OriginConfig origin;
  origin.allow = {"127.0.0.2"};
  AccessControls controls;
  controls.origin = std::make_unique<OriginGuard>(origin);
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);
  EXPECT_EQ(TestClient(server.port(), "127.0.0.2").get("/v2/").status, 200u);
  EXPECT_EQ(TestClient(server.port(), "127.0.0.1").get("/v2/").status, 403u);
}

TEST_F(AccessHandlerTest, RateLimitAnswers429WithRetryAfter) {
  AccessControls controls;
  controls.rate = std::make_unique<RateLimiter>(1, 3);
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);
  TestClient client(server.port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/v2/").status, 200u) << i;
  auto limited = client.get("/v2/");
  EXPECT_EQ(limited.status, 429u);
  EXPECT_NE(limited.body.find("\"TOOMANYREQUESTS\""), std::string::npos);
  EXPECT_GE(std::stoi(limited.header("retry-after")), 1);
  EXPECT_EQ(TestClient(server.port(), "127.0.0.2").get("/v2/").status, 200u)
      << "another client is not affected";
}

TEST_F(AccessHandlerTest, HtpasswdWithDockersBasicFlow) {
  const auto file = dir_.path() / "htpasswd";
  std::ofstream(file) << "alice:" << bcrypt("wonderland") << "\n";
  AccessControls controls;
  controls.auth = std::make_unique<ClientAuthenticator>(
      ClientAuthenticator::Options{file, "regcache test", false});
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);
  TestClient client(server.port());

  auto challenge = client.get("/v2/");
  EXPECT_EQ(challenge.status, 401u);
  EXPECT_EQ(challenge.header("www-authenticate"), "Basic realm=\"regcache test\"");
  EXPECT_EQ(challenge.header("cache-control"), "no-store");
  EXPECT_NE(challenge.body.find("\"UNAUTHORIZED\""), std::string::npos);
  // alice:wonderland
  auto ok = client.get("/v2/", {{"Authorization", "Basic YWxpY2U6d29uZGVybGFuZA=="}});
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "ok user=alice");
  EXPECT_EQ(client.get("/v2/", {{"Authorization", "Basic YWxpY2U6d29uZGVybGFuZA=="}}).status, 200u)
      << "remembered";
  // alice:wrong
  EXPECT_EQ(client.get("/v2/", {{"Authorization", "Basic YWxpY2U6d3Jvbmc="}}).status, 401u);
  EXPECT_EQ(client.get("/v2/", {{"Authorization", "Bearer abc"}}).status, 401u);
  EXPECT_EQ(client.get("/v2/", {}, bhttp::verb::options).status, 200u)
      << "OPTIONS needs no credentials";
}

TEST_F(AccessHandlerTest, AnonymousPullsWhenAllowedButWrongPasswordsStillFail) {
  const auto file = dir_.path() / "htpasswd";
  std::ofstream(file) << "alice:" << bcrypt("wonderland") << "\n";
  AccessControls controls;
  controls.auth =
      std::make_unique<ClientAuthenticator>(ClientAuthenticator::Options{file, "r", true});
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);
  TestClient client(server.port());
  EXPECT_EQ(client.get("/v2/").body, "ok user=");
  EXPECT_EQ(client.get("/v2/", {{"Authorization", "Basic YWxpY2U6d3Jvbmc="}}).status, 401u);
}

TEST_F(AccessHandlerTest, HtpasswdChangesTakeEffectOnReload) {
  const auto file = dir_.path() / "htpasswd";
  std::ofstream(file) << "alice:" << bcrypt("wonderland") << "\n";
  ClientAuthenticator auth({file, "r", false});
  const auto now = ClientAuthenticator::Clock::now();
  std::string user;
  EXPECT_EQ(auth.check("Basic YWxpY2U6d29uZGVybGFuZA==", user, now),
            ClientAuthenticator::Verdict::authenticated);
  std::ofstream(file, std::ios::trunc) << "alice:" << bcrypt("changed") << "\n";
  EXPECT_TRUE(auth.reload_if_changed());
  EXPECT_EQ(auth.check("Basic YWxpY2U6d29uZGVybGFuZA==", user, now),
            ClientAuthenticator::Verdict::rejected)
      << "the remembered old password is forgotten";
  std::ofstream(file, std::ios::trunc) << "alice:{SHA}broken\n";
  EXPECT_FALSE(auth.reload_if_changed()) << "a broken file keeps the previous users";
  EXPECT_EQ(auth.check("Basic YWxpY2U6Y2hhbmdlZA==", user, now),  // alice:changed
            ClientAuthenticator::Verdict::authenticated);
}

TEST_F(AccessHandlerTest, BlobsRedirectToTheCdnExceptForTheCdnItself) {
  config::OriginConfig origin;
  origin.secrets = {"cdn-secret-0123456789"};
  AccessControls controls;
  controls.origin = std::make_unique<OriginGuard>(origin);
  controls.blob_redirect = "https://cdn.example.com/mirror";
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);
  TestClient client(server.port());
  auto redirected = client.get(std::string(kBlob) + "?ns=docker.io");
  EXPECT_EQ(redirected.status, 307u);
  EXPECT_EQ(redirected.header("location"),
            std::string("https://cdn.example.com/mirror") + kBlob + "?ns=docker.io");
  EXPECT_EQ(client.get("/v2/library/alpine/manifests/3.20").status, 200u)
      << "with a redirect, the origin serves clients directly";
  EXPECT_EQ(client.get(kBlob, {}, bhttp::verb::head).status, 200u);
  EXPECT_EQ(client.get(kBlob, {{"X-CDN-Auth", "cdn-secret-0123456789"}}).status, 200u)
      << "the CDN gets the bytes";
}

TEST_F(AccessHandlerTest, NodesFollowingADownloadPassOnlyTheAddressLists) {
  config::OriginConfig origin;
  origin.secrets = {"cdn-secret-0123456789"};
  origin.deny = {"127.0.0.3"};
  AccessControls controls;
  controls.origin = std::make_unique<OriginGuard>(origin);
  controls.rate = std::make_unique<RateLimiter>(1, 1);
  auto handler = gate(std::move(controls));
  handler->admit_peers(
      [](const http::Request& request) { return request["X-Regcache-Lease"] == "node-a"; });
  LoopbackServer server(*handler);
  const std::string follow = "/_regcache/inflight/sha256:0123456789abcdef";
  const std::pair<std::string, std::string> peer{"X-Regcache-Lease", "node-a"};

  TestClient node(server.port());
  EXPECT_EQ(node.get(follow, {peer}).status, 200u) << "no secret needed";
  EXPECT_EQ(node.get(follow, {peer}).status, 200u) << "no client rate either";
  EXPECT_EQ(node.get(follow, {{"X-Regcache-Lease", "node-b"}}).status, 403u)
      << "an unknown node is a client";
  EXPECT_EQ(node.get("/v2/", {peer}).status, 403u) << "only the follow path is open to nodes";
  EXPECT_EQ(TestClient(server.port(), "127.0.0.3").get(follow, {peer}).status, 403u)
      << "the address lists still apply";
}

TEST_F(AccessHandlerTest, ConcurrentDownloadsPerClient) {
  AccessControls controls;
  controls.downloads = std::make_unique<ConcurrencyLimiter>(1);
  auto handler = gate(std::move(controls));
  LoopbackServer server(*handler);
  TestClient slow(server.port());
  slow.send_raw(std::string("GET ") + kSlowBlob +
                " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return api_.waiting(); }));
  TestClient same(server.port());
  auto limited = same.get(kBlob);
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.header("retry-after"), "1");
  EXPECT_EQ(same.get("/v2/library/alpine/manifests/3.20").status, 200u) << "only blobs count";
  EXPECT_EQ(TestClient(server.port(), "127.0.0.2").get(kBlob).status, 200u);
  api_.release();
  EXPECT_NE(slow.read_until_closed().find("200 OK"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return same.get(kBlob).status == 200u; }));
}

}  // namespace
}  // namespace regcache::access
