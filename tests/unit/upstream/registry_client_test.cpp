// RegistryClient against scripted fake HTTP servers: token flow, redirects,
// resumption, retries, timeouts and egress proxies.

#include "upstream/registry_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "fake_http_server.hpp"
#include "util/sha256.hpp"

namespace regcache::upstream {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpServer;
using testing::ReceivedRequest;
using testing::Reply;

constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
const std::string kManifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
    R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,)"
    R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]})";
constexpr const char* kAlpineScope = "scope=repository%3Alibrary%2Falpine%3Apull";
constexpr const char* kBasicAlice = "Basic YWxpY2U6czNjcmV0";  // alice:s3cret

std::string digest_of(const std::string& body) { return "sha256:" + Sha256::hex_of(body); }

std::string pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7 + i / 251) % 256);
  return data;
}

config::TuningConfig tuning(unsigned retries = 2, config::Seconds stall = 5s) {
  config::TuningConfig t;
  t.upstream_workers = 4;
  t.upstream_connect_timeout = 2s;
  t.upstream_stall_timeout = stall;
  t.upstream_retries = retries;
  return t;
}

config::UpstreamConfig upstream_at(const std::string& url, std::string user = {},
                                   std::string password = {}) {
  config::UpstreamConfig u;
  u.name = "test.io";
  u.remote_url = url;
  u.username = std::move(user);
  u.password = std::move(password);
  return u;
}

std::string bearer_challenge(const FakeHttpServer& auth, const std::string& scope = {}) {
  std::string value = "Bearer realm=\"" + auth.url() + "/token\",service=\"test.registry\"";
  if (!scope.empty()) value += ",scope=\"" + scope + "\"";
  return value;
}

Reply challenge_reply(const FakeHttpServer& auth, const std::string& scope) {
  return Reply::with(401,
                     R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})")
      .header("WWW-Authenticate", bearer_challenge(auth, scope));
}

Reply token_reply(const std::string& token) {
  return Reply::with(200, R"({"token":")" + token + R"(","expires_in":300})")
      .header("Content-Type", "application/json");
}

Reply manifest_reply(const std::string& body = kManifest) {
  return Reply::with(200, body)
      .header("Content-Type", kOciManifest)
      .header("Docker-Content-Digest", digest_of(body));
}

std::string token_target(const std::string& scope_query, const std::string& account = {}) {
  std::string target = "/token?service=test.registry&" + scope_query;
  if (!account.empty()) target += "&account=" + account;
  return target;
}

class RecordingSink : public BlobSink {
 public:
  void on_start(std::optional<uint64_t> total_size) override {
    ++starts;
    total = total_size;
  }
  bool on_data(std::span<const char> bytes) override {
    if (data.size() >= refuse_after) return false;
    data.append(bytes.data(), bytes.size());
    return true;
  }
  int starts = 0;
  std::optional<uint64_t> total;
  std::string data;
  size_t refuse_after = std::string::npos;
};

void expect_no_surprises(const FakeHttpServer& server) {
  EXPECT_EQ(server.unexpected(), std::vector<std::string>{});
  EXPECT_EQ(server.pending(), 0u);
}

// --- Token flow ------------------------------------------------------------

TEST(RegistryClient, BearerChallengeThenTokenThenRetry) {
  FakeHttpServer server;
  const std::string path = "/v2/library/alpine/manifests/3.20";
  server.expect("GET", path, challenge_reply(server, "repository:library/alpine:pull"));
  server.expect("GET", token_target(kAlpineScope), token_reply("tok-1"));
  server.expect("GET", path, manifest_reply());
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("library/alpine", "3.20", false);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, kManifest);
  EXPECT_EQ(result->digest, digest_of(kManifest));
  EXPECT_EQ(result->media_type, kOciManifest);
  EXPECT_EQ(result->size, kManifest.size());
  expect_no_surprises(server);
  auto received = server.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_FALSE(received[0].header("authorization"));
  EXPECT_FALSE(received[1].header("authorization"));  // anonymous token request
  EXPECT_EQ(received[2].header("authorization"), "Bearer tok-1");
  EXPECT_EQ(received[2].header("accept"),
            "application/vnd.docker.distribution.manifest.v2+json, "
            "application/vnd.docker.distribution.manifest.list.v2+json, "
            "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
            "application/vnd.docker.distribution.manifest.v1+prettyjws, "
            "application/vnd.docker.distribution.manifest.v1+json");
  EXPECT_EQ(received[2].header("user-agent").value_or("").rfind("regcache/", 0), 0u);
  // Registry and token endpoint share one origin here: one connection, reused.
  for (const auto& r : received) EXPECT_EQ(r.connection, 1);
}

TEST(RegistryClient, TokenIsReusedAndChallengeRemembered) {
  FakeHttpServer server;
  const std::string alpine = "/v2/library/alpine/manifests/3.20";
  const std::string busybox = "/v2/library/busybox/manifests/latest";
  server.expect("GET", alpine, challenge_reply(server, "repository:library/alpine:pull"));
  server.expect("GET", token_target(kAlpineScope), token_reply("tok-alpine"));
  server.expect("GET", alpine, manifest_reply());
  server.expect("GET", alpine, manifest_reply());
  server.expect("GET", token_target("scope=repository%3Alibrary%2Fbusybox%3Apull"),
                token_reply("tok-busybox"));
  server.expect("GET", busybox, manifest_reply());
  RegistryClient client(upstream_at(server.url()), tuning());

  ASSERT_TRUE(client.get_manifest("library/alpine", "3.20", false));
  ASSERT_TRUE(client.get_manifest("library/alpine", "3.20", false));     // cached token
  ASSERT_TRUE(client.get_manifest("library/busybox", "latest", false));  // token up front

  expect_no_surprises(server);
  auto received = server.received();
  ASSERT_EQ(received.size(), 6u);
  EXPECT_EQ(received[3].header("authorization"), "Bearer tok-alpine");
  EXPECT_EQ(received[4].target, token_target("scope=repository%3Alibrary%2Fbusybox%3Apull"));
  EXPECT_EQ(received[5].header("authorization"), "Bearer tok-busybox");
  for (const auto& r : received) EXPECT_NE(r.target, "/v2/");  // never a /v2/ ping
}

TEST(RegistryClient, ConcurrentRequestsShareOneTokenFetch) {
  FakeHttpServer server;
  const std::string alpine = "/v2/library/alpine/manifests/1";
  const std::string busybox = "/v2/library/busybox/manifests/1";
  server.expect("GET", alpine, challenge_reply(server, "repository:library/alpine:pull"));
  server.expect("GET", token_target(kAlpineScope), token_reply("tok-a"));
  server.expect("GET", alpine, manifest_reply());
  Reply slow_token = token_reply("tok-b");
  slow_token.delay = 300ms;
  server.expect("GET", token_target("scope=repository%3Alibrary%2Fbusybox%3Apull"), slow_token);
  constexpr int kThreads = 4;
  for (int i = 0; i < kThreads; ++i) server.expect("GET", busybox, manifest_reply());
  RegistryClient client(upstream_at(server.url()), tuning());
  ASSERT_TRUE(client.get_manifest("library/alpine", "1", false));

  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      if (client.get_manifest("library/busybox", "1", false)) ++ok;
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(ok, kThreads);
  expect_no_surprises(server);
  for (const auto& r : server.received()) {
    if (r.target == busybox) {
      EXPECT_EQ(r.header("authorization"), "Bearer tok-b");
    }
  }
}

TEST(RegistryClient, BasicCredentialsGoToTheRealmWithAccount) {
  FakeHttpServer registry;
  FakeHttpServer auth;
  const std::string path = "/v2/library/alpine/manifests/3.20";
  registry.expect("GET", path, challenge_reply(auth, "repository:library/alpine:pull"));
  auth.expect("GET", token_target(kAlpineScope, "alice"),
              Reply::with(200, R"({"access_token":"tok-alice"})"));
  registry.expect("GET", path, manifest_reply());
  RegistryClient client(upstream_at(registry.url(), "alice", "s3cret"), tuning());

  auto result = client.get_manifest("library/alpine", "3.20", false);

  ASSERT_TRUE(result) << result.error().message;
  expect_no_surprises(registry);
  expect_no_surprises(auth);
  EXPECT_EQ(auth.received().at(0).header("authorization"), kBasicAlice);
  EXPECT_EQ(registry.received().at(0).header("authorization"), std::nullopt);
  EXPECT_EQ(registry.received().at(1).header("authorization"), "Bearer tok-alice");
}

TEST(RegistryClient, WrongPasswordIsUnauthorizedWithoutLeakingIt) {
  FakeHttpServer server;
  const std::string path = "/v2/library/alpine/manifests/3.20";
  server.expect("GET", path, challenge_reply(server, "repository:library/alpine:pull"));
  server.expect("GET", token_target(kAlpineScope, "alice"),
                Reply::with(401, R"({"details":"incorrect username or password"})"));
  RegistryClient client(upstream_at(server.url(), "alice", "s3cret"), tuning());

  auto result = client.get_manifest("library/alpine", "3.20", false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::unauthorized);
  EXPECT_EQ(result.error().message, "upstream test.io rejected the credentials for user \"alice\"");
  EXPECT_EQ(result.error().message.find("s3cret"), std::string::npos);
  expect_no_surprises(server);  // and no retries
}

TEST(RegistryClient, FreshTokenRejectedIsUnauthorized) {
  FakeHttpServer server;
  const std::string path = "/v2/private/app/manifests/1";
  const std::string scope = "repository:private/app:pull";
  server.expect("GET", path, challenge_reply(server, scope));
  server.expect("GET", token_target("scope=repository%3Aprivate%2Fapp%3Apull"), token_reply("t"));
  server.expect("GET", path, challenge_reply(server, scope));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("private/app", "1", false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::unauthorized);
  EXPECT_NE(result.error().message.find("test.io"), std::string::npos);
  expect_no_surprises(server);
}

TEST(RegistryClient, BasicChallengeSendsCredentialsToTheRegistry) {
  FakeHttpServer server;
  const std::string path = "/v2/team/app/manifests/1";
  server.expect("GET", path,
                Reply::with(401).header("WWW-Authenticate", R"(Basic realm="Registry Realm")"));
  server.expect("GET", path, manifest_reply());
  server.expect("GET", "/v2/team/other/manifests/1", manifest_reply());
  RegistryClient client(upstream_at(server.url(), "alice", "s3cret"), tuning());

  ASSERT_TRUE(client.get_manifest("team/app", "1", false));
  ASSERT_TRUE(client.get_manifest("team/other", "1", false));  // Basic up front now

  expect_no_surprises(server);
  auto received = server.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_FALSE(received[0].header("authorization"));
  EXPECT_EQ(received[1].header("authorization"), kBasicAlice);
  EXPECT_EQ(received[2].header("authorization"), kBasicAlice);
}

TEST(RegistryClient, BasicChallengeWithoutCredentialsIsUnauthorized) {
  FakeHttpServer server;
  server.expect("GET", "/v2/team/app/manifests/1",
                Reply::with(401).header("WWW-Authenticate", R"(Basic realm="x")"));
  RegistryClient client(upstream_at(server.url()), tuning());
  auto result = client.get_manifest("team/app", "1", false);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::unauthorized);
  expect_no_surprises(server);
}

TEST(RegistryClient, MalformedChallengeIsAProtocolError) {
  FakeHttpServer server;
  server.expect("GET", "/v2/a/manifests/1",
                Reply::with(401).header("WWW-Authenticate", R"(Bearer realm="https://x/token)"));
  server.expect("GET", "/v2/b/manifests/1",
                Reply::with(401).header("WWW-Authenticate", R"(Bearer service="no-realm")"));
  server.expect("GET", "/v2/c/manifests/1", Reply::with(401));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto malformed = client.get_manifest("a", "1", false);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().kind, FailureKind::protocol);
  auto no_realm = client.get_manifest("b", "1", false);
  ASSERT_FALSE(no_realm);
  EXPECT_EQ(no_realm.error().kind, FailureKind::protocol);
  auto no_challenge = client.get_manifest("c", "1", false);
  ASSERT_FALSE(no_challenge);
  EXPECT_EQ(no_challenge.error().kind, FailureKind::unauthorized);
  expect_no_surprises(server);
}

TEST(RegistryClient, CheckPingsV2AndGetsAToken) {
  FakeHttpServer server;
  server.expect("GET", "/v2/",
                Reply::with(401).header("WWW-Authenticate", bearer_challenge(server)));
  server.expect("GET", token_target(kAlpineScope), token_reply("tok"));
  server.expect("GET", "/v2/", Reply::with(200, "{}"));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.check("library/alpine");

  ASSERT_TRUE(result) << result.error().message;
  expect_no_surprises(server);
  EXPECT_EQ(server.received().at(2).header("authorization"), "Bearer tok");
}

// --- Redirects ---------------------------------------------------------------

TEST(RegistryClient, BlobRedirectDoesNotSendTheTokenToAnotherHost) {
  FakeHttpServer registry;
  FakeHttpServer cdn;
  const std::string blob = pattern(5000);
  const std::string digest = digest_of(blob);
  const std::string path = "/v2/library/alpine/blobs/" + digest;
  registry.expect("GET", path, challenge_reply(registry, "repository:library/alpine:pull"));
  registry.expect("GET", token_target(kAlpineScope), token_reply("secret-token"));
  // localhost:<other port>: another host and another port for libcurl.
  const std::string location = "http://localhost:" + std::to_string(cdn.port()) + "/cdn/blob?sig=x";
  registry.expect("GET", path, Reply::with(307).header("Location", location));
  cdn.expect("GET", "/cdn/blob?sig=x", Reply::with(200, blob));
  registry.expect("HEAD", path, Reply::with(307).header("Location", location));
  cdn.expect("HEAD", "/cdn/blob?sig=x", Reply::with(200, blob));
  RegistryClient client(upstream_at(registry.url()), tuning());

  RecordingSink sink;
  auto fetched = client.fetch_blob("library/alpine", digest, sink);
  auto head = client.head_blob("library/alpine", digest);

  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetched->size, blob.size());
  EXPECT_EQ(sink.data, blob);
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->size, blob.size());
  expect_no_surprises(registry);
  expect_no_surprises(cdn);
  EXPECT_EQ(registry.received().at(2).header("authorization"), "Bearer secret-token");
  EXPECT_EQ(registry.received().at(3).header("authorization"), "Bearer secret-token");
  for (const auto& r : cdn.received()) {
    EXPECT_FALSE(r.header("authorization")) << r.method << " " << r.target;
  }
}

TEST(RegistryClient, RedirectToAnotherPortOfTheSameHostGetsNoTokenEither) {
  // libcurl (>= 7.83) compares scheme, host and port before sending credentials
  // after a redirect, so 127.0.0.1:<other port> counts as another host.
  FakeHttpServer registry;
  FakeHttpServer cdn;
  const std::string blob = pattern(100);
  const std::string path = "/v2/r/blobs/" + digest_of(blob);
  registry.expect("GET", path, challenge_reply(registry, "repository:r:pull"));
  registry.expect("GET", token_target("scope=repository%3Ar%3Apull"), token_reply("tok"));
  registry.expect("GET", path, Reply::with(307).header("Location", cdn.url() + "/blob"));
  cdn.expect("GET", "/blob", Reply::with(200, blob));
  RegistryClient client(upstream_at(registry.url()), tuning());

  RecordingSink sink;
  auto fetched = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(sink.data, blob);
  expect_no_surprises(registry);
  expect_no_surprises(cdn);
  EXPECT_FALSE(cdn.received().at(0).header("authorization"));
}

// --- Blob transfers ------------------------------------------------------------

TEST(RegistryClient, BrokenBlobTransferIsResumedWithRange) {
  FakeHttpServer server;
  const std::string blob = pattern(100000);
  const std::string path = "/v2/library/alpine/blobs/" + digest_of(blob);
  Reply broken = Reply::with(200, blob);
  broken.cut_after = 40000;
  server.expect("GET", path, broken);
  server.expect(
      "GET", path,
      Reply::with(206, blob.substr(40000)).header("Content-Range", "bytes 40000-99999/100000"));
  RegistryClient client(upstream_at(server.url()), tuning());

  RecordingSink sink;
  auto result = client.fetch_blob("library/alpine", digest_of(blob), sink);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->size, blob.size());
  EXPECT_EQ(sink.starts, 1);
  EXPECT_EQ(sink.total, blob.size());
  EXPECT_TRUE(sink.data == blob);
  expect_no_surprises(server);
  auto received = server.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_FALSE(received[0].header("range"));
  EXPECT_EQ(received[1].header("range"), "bytes=40000-");
}

TEST(RegistryClient, ResumeAnsweredWith200SkipsDeliveredBytes) {
  FakeHttpServer server;
  const std::string blob = pattern(70000);
  const std::string path = "/v2/r/blobs/" + digest_of(blob);
  Reply broken = Reply::with(200, blob);
  broken.cut_after = 12345;
  server.expect("GET", path, broken);
  server.expect("GET", path, Reply::with(200, blob));  // ignores Range
  RegistryClient client(upstream_at(server.url()), tuning());

  RecordingSink sink;
  auto result = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(sink.starts, 1);
  EXPECT_TRUE(sink.data == blob);
  EXPECT_EQ(server.received().at(1).header("range"), "bytes=12345-");
  expect_no_surprises(server);
}

TEST(RegistryClient, ResumeWithWrongContentRangeIsAProtocolError) {
  FakeHttpServer server;
  const std::string blob = pattern(1000);
  const std::string path = "/v2/r/blobs/" + digest_of(blob);
  Reply broken = Reply::with(200, blob);
  broken.cut_after = 100;
  server.expect("GET", path, broken);
  server.expect("GET", path,
                Reply::with(206, blob.substr(50)).header("Content-Range", "bytes 50-999/1000"));
  RegistryClient client(upstream_at(server.url()), tuning());

  RecordingSink sink;
  auto result = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::protocol);
  EXPECT_EQ(sink.data, blob.substr(0, 100));  // nothing delivered twice
  expect_no_surprises(server);
}

TEST(RegistryClient, BlobWithoutContentLength) {
  FakeHttpServer server;
  const std::string blob = pattern(3000);
  Reply reply = Reply::with(200, blob);
  reply.omit_content_length = true;  // body ends when the connection closes
  server.expect("GET", "/v2/r/blobs/" + digest_of(blob), reply);
  RegistryClient client(upstream_at(server.url()), tuning());

  RecordingSink sink;
  auto result = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(sink.starts, 1);
  EXPECT_EQ(sink.total, std::nullopt);
  EXPECT_EQ(sink.data, blob);
}

TEST(RegistryClient, SinkRefusalAbortsWithoutRetry) {
  FakeHttpServer server;
  const std::string blob = pattern(200000);
  server.expect("GET", "/v2/r/blobs/" + digest_of(blob), Reply::with(200, blob));
  RegistryClient client(upstream_at(server.url()), tuning());

  RecordingSink sink;
  sink.refuse_after = 1;
  auto result = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::aborted);
  expect_no_surprises(server);
}

TEST(RegistryClient, StalledTransferTimesOut) {
  FakeHttpServer server;
  const std::string blob = pattern(10000);
  const std::string path = "/v2/r/blobs/" + digest_of(blob);
  Reply stalled = Reply::with(200, blob);
  stalled.cut_after = 0;  // the head, then silence
  stalled.stall = true;
  server.expect("GET", path, stalled);
  server.expect("GET", path, stalled);
  RegistryClient client(upstream_at(server.url()), tuning(/*retries=*/1, /*stall=*/1s));

  RecordingSink sink;
  auto start = std::chrono::steady_clock::now();
  auto result = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::timeout) << result.error().message;
  // Two attempts of about 1 s each, 200 ms apart.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(sink.starts, 1);
  EXPECT_TRUE(sink.data.empty());
  expect_no_surprises(server);
}

TEST(RegistryClient, StalledTransferIsResumed) {
  FakeHttpServer server;
  const std::string blob = pattern(10000);
  const std::string path = "/v2/r/blobs/" + digest_of(blob);
  Reply stalled = Reply::with(200, blob);
  stalled.cut_after = 2500;
  stalled.stall = true;
  server.expect("GET", path, stalled);
  server.expect(
      "GET", path,
      Reply::with(206, blob.substr(2500)).header("Content-Range", "bytes 2500-9999/10000"));
  // A resume after progress is not a retry: it happens even with retries = 0.
  RegistryClient client(upstream_at(server.url()), tuning(/*retries=*/0, /*stall=*/1s));

  RecordingSink sink;
  auto result = client.fetch_blob("r", digest_of(blob), sink);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(sink.data == blob);
  EXPECT_EQ(server.received().at(1).header("range"), "bytes=2500-");
  expect_no_surprises(server);
}

TEST(RegistryClient, StopTokenAbortsAStalledTransferPromptly) {
  FakeHttpServer server;
  const std::string blob = pattern(10000);
  Reply stalled = Reply::with(200, blob);
  stalled.cut_after = 10;
  stalled.stall = true;
  server.expect("GET", "/v2/r/blobs/" + digest_of(blob), stalled);
  RegistryClient client(upstream_at(server.url()), tuning(/*retries=*/3, /*stall=*/30s));

  std::stop_source stop;
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  RecordingSink sink;
  auto start = std::chrono::steady_clock::now();
  auto result = client.fetch_blob("r", digest_of(blob), sink, stop.get_token());

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::aborted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  expect_no_surprises(server);
}

// --- Retries and status mapping ----------------------------------------------

TEST(RegistryClient, ServerErrorIsRetried) {
  FakeHttpServer server;
  const std::string blob = pattern(100);
  const std::string path = "/v2/r/blobs/" + digest_of(blob);
  server.expect("HEAD", path, Reply::with(500));
  server.expect("HEAD", path, Reply::with(200, blob));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.head_blob("r", digest_of(blob));

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->size, 100u);
  expect_no_surprises(server);
}

TEST(RegistryClient, ServerErrorAfterRetriesRunOut) {
  FakeHttpServer server;
  server.expect("GET", "/v2/r/manifests/1", Reply::with(503));
  server.expect("GET", "/v2/r/manifests/1", Reply::with(503).header("Retry-After", "7"));
  RegistryClient client(upstream_at(server.url()), tuning(/*retries=*/1));

  auto result = client.get_manifest("r", "1", false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::server_error);
  EXPECT_EQ(result.error().http_status, 503);
  EXPECT_EQ(result.error().retry_after, "7");
  expect_no_surprises(server);
}

TEST(RegistryClient, ConnectionRefusedIsUnreachable) {
  // A bound socket that does not listen: connections to it are refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  RegistryClient client(upstream_at("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))),
                        tuning(/*retries=*/1));

  auto result = client.get_manifest("r", "1", false);
  ::close(fd);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::unreachable);
  EXPECT_EQ(result.error().http_status, 0);
}

TEST(RegistryClient, ClientErrorsAreNotRetried) {
  FakeHttpServer server;
  server.expect(
      "GET", "/v2/r/manifests/missing",
      Reply::with(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"));
  server.expect("GET", "/v2/r/manifests/forbidden", Reply::with(403));
  server.expect(
      "GET", "/v2/r/manifests/limited",
      Reply::with(429, R"({"errors":[{"code":"TOOMANYREQUESTS"}]})").header("Retry-After", "30"));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto missing = client.get_manifest("r", "missing", false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, FailureKind::not_found);
  EXPECT_NE(missing.error().message.find("MANIFEST_UNKNOWN: manifest unknown"), std::string::npos);
  auto forbidden = client.get_manifest("r", "forbidden", false);
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error().kind, FailureKind::denied);
  auto limited = client.get_manifest("r", "limited", false);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().kind, FailureKind::too_many_requests);
  EXPECT_EQ(limited.error().http_status, 429);
  EXPECT_EQ(limited.error().retry_after, "30");
  expect_no_surprises(server);  // exactly one request each
}

TEST(RegistryClient, QuotaHeadersAreRecorded) {
  FakeHttpServer server;
  server.expect("GET", "/v2/r/manifests/1",
                manifest_reply()
                    .header("ratelimit-limit", "100;w=21600")
                    .header("RateLimit-Remaining", "76;w=21600"));
  RegistryClient client(upstream_at(server.url()), tuning());
  EXPECT_FALSE(client.quota().limit);

  ASSERT_TRUE(client.get_manifest("r", "1", false));

  EXPECT_EQ(client.quota().limit, "100;w=21600");
  EXPECT_EQ(client.quota().remaining, "76;w=21600");
}

// --- Manifests ---------------------------------------------------------------

TEST(RegistryClient, ManifestByDigestMustMatchTheBody) {
  FakeHttpServer server;
  const std::string other = R"({"schemaVersion":2})";
  const std::string wanted = digest_of(kManifest);
  server.expect("GET", "/v2/r/manifests/" + wanted, manifest_reply(other));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("r", wanted, false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::protocol);
  expect_no_surprises(server);
}

TEST(RegistryClient, ManifestDigestHeaderMustAgree) {
  FakeHttpServer server;
  server.expect("GET", "/v2/r/manifests/latest",
                Reply::with(200, kManifest)
                    .header("Content-Type", kOciManifest)
                    .header("Docker-Content-Digest", digest_of("something else")));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("r", "latest", false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::protocol);
}

TEST(RegistryClient, ManifestByDigestVerified) {
  FakeHttpServer server;
  const std::string digest = digest_of(kManifest);
  server.expect("GET", "/v2/r/manifests/" + digest,
                Reply::with(200, kManifest).header("Content-Type", kOciManifest));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("r", digest, false);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->digest, digest);
}

TEST(RegistryClient, ManifestHead) {
  FakeHttpServer server;
  Reply reply = manifest_reply();
  reply.body.clear();
  reply.content_length = kManifest.size();
  server.expect("HEAD", "/v2/library/alpine/manifests/3.20", reply);
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("library/alpine", "3.20", true);

  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->digest, digest_of(kManifest));
  EXPECT_EQ(result->size, kManifest.size());
  EXPECT_EQ(result->media_type, kOciManifest);
  EXPECT_TRUE(result->body.empty());
  expect_no_surprises(server);
}

TEST(RegistryClient, OversizedManifestIsRejected) {
  FakeHttpServer server;
  server.expect("GET", "/v2/r/manifests/huge",
                manifest_reply(std::string(4 * 1024 * 1024 + 1, 'x')));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto result = client.get_manifest("r", "huge", false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::protocol);
  expect_no_surprises(server);  // not retried
}

// --- Tags ----------------------------------------------------------------------

TEST(RegistryClient, ListTagsPassesTheAnswerThrough) {
  FakeHttpServer server;
  const std::string body = R"({"name":"library/alpine","tags":["3.19","3.20"]})";
  server.expect("GET", "/v2/library/alpine/tags/list?n=2&last=3.18",
                Reply::with(200, body)
                    .header("Content-Type", "application/json")
                    .header("Link", R"(</v2/library/alpine/tags/list?n=2&last=3.20>; rel="next")"));
  server.expect("GET", "/v2/library/nope/tags/list",
                Reply::with(404, R"({"errors":[{"code":"NAME_UNKNOWN"}]})"));
  RegistryClient client(upstream_at(server.url()), tuning());

  auto tags = client.list_tags("library/alpine", "n=2&last=3.18");
  auto missing = client.list_tags("library/nope", "");

  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(tags->status, 200);
  EXPECT_EQ(tags->body, body);
  EXPECT_EQ(tags->content_type, "application/json");
  EXPECT_EQ(tags->link, R"(</v2/library/alpine/tags/list?n=2&last=3.20>; rel="next")");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, R"({"errors":[{"code":"NAME_UNKNOWN"}]})");
  expect_no_surprises(server);
}

// --- Egress --------------------------------------------------------------------

TEST(RegistryClient, PlainHttpGoesThroughTheEgressProxy) {
  FakeHttpServer proxy;
  proxy.expect("GET", "http://registry.invalid/v2/library/alpine/manifests/3.20", manifest_reply());
  auto upstream = upstream_at("http://registry.invalid");
  upstream.egress.http_proxy = proxy.url();
  upstream.egress.https_proxy = "http://127.0.0.1:1";  // not used for http://
  RegistryClient client(upstream, tuning());

  auto result = client.get_manifest("library/alpine", "3.20", false);

  ASSERT_TRUE(result) << result.error().message;
  expect_no_surprises(proxy);
  EXPECT_EQ(proxy.received().at(0).header("host"), "registry.invalid");
}

TEST(RegistryClient, HttpsUsesAConnectTunnel) {
  FakeHttpServer proxy;
  proxy.expect("CONNECT", "registry.invalid:443", Reply::with(403));
  auto upstream = upstream_at("https://registry.invalid");
  upstream.egress.https_proxy = proxy.url();
  RegistryClient client(upstream, tuning(/*retries=*/0));

  auto result = client.get_manifest("library/alpine", "3.20", false);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, FailureKind::unreachable);
  expect_no_surprises(proxy);
}

TEST(RegistryClient, NoProxyBypassesTheEgressProxy) {
  FakeHttpServer registry;
  FakeHttpServer proxy;  // expects nothing
  registry.expect("GET", "/v2/r/manifests/1", manifest_reply());
  auto upstream = upstream_at(registry.url());
  upstream.egress.http_proxy = proxy.url();
  upstream.egress.no_proxy = "example.com,127.0.0.1";
  RegistryClient client(upstream, tuning());

  ASSERT_TRUE(client.get_manifest("r", "1", false));

  expect_no_surprises(registry);
  EXPECT_TRUE(proxy.received().empty());
}

TEST(RegistryClient, ProxyEnvironmentIsIgnored) {
  // Only upstream.egress counts (the config layer reads the environment).
  FakeHttpServer registry;
  registry.expect("GET", "/v2/r/manifests/1", manifest_reply());
  const char* saved = std::getenv("http_proxy");
  std::string saved_value = saved ? saved : "";
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  RegistryClient client(upstream_at(registry.url()), tuning(/*retries=*/0));

  auto result = client.get_manifest("r", "1", false);

  if (saved) {
    ::setenv("http_proxy", saved_value.c_str(), 1);
  } else {
    ::unsetenv("http_proxy");
  }
  ASSERT_TRUE(result) << result.error().message;
  expect_no_surprises(registry);
}

}  // namespace
}  // namespace regcache::upstream
