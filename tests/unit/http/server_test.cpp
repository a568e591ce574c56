// The HTTP server end to end on loopback: plain and TLS file sends, TLS
// certificate reload without dropping connections, request-head limits and
// timeouts, per-client connection caps, X-Forwarded-* from trusted proxies.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "http/fake_api.hpp"
#include "http/tls_context.hpp"
#include "support/loopback_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificate.hpp"

namespace regcache::http {
namespace {

using namespace std::chrono_literals;
using test_support::LoopbackServer;
using test_support::TestCertificate;
using test_support::TestClient;
using testing::FakeApi;

std::string random_bytes(size_t n) {
  std::mt19937 random(42);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content_ = random_bytes(3 * 1024 * 1024 + 17);  // several sendfile / TLS buffer rounds
    api_.file = dir_.path() / "blob";
    std::ofstream(api_.file, std::ios::binary) << content_;
  }

  test_support::TempDir dir_;
  FakeApi api_;
  std::string content_;
};

TEST_F(ServerTest, SendsFilesOverPlainTcp) {
  LoopbackServer server(api_);
  TestClient client(server.port());
  auto reply = client.get("/file");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_TRUE(reply.body == content_);
  EXPECT_EQ(client.get("/echo").body, "client=127.0.0.1 scheme=http host=localhost")
      << "keep-alive: a second request on the same connection";
}

TEST_F(ServerTest, SendsFilesOverTls) {
  auto cert = TestCertificate::create(dir_.path(), "one", 1);
  TlsContextProvider tls({cert.certificate, cert.key, false});
  LoopbackServer server(api_, {}, [&](Server& s) { s.use_tls(tls); });
  TestClient client(server.port(), cert.certificate.string(), true);
  auto reply = client.get("/file");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body.size(), content_.size());
  EXPECT_TRUE(reply.body == content_);
  EXPECT_EQ(client.get("/echo").body, "client=127.0.0.1 scheme=https host=localhost");
  EXPECT_EQ(client.get("/file", {}, bhttp::verb::head).header("content-length"),
            std::to_string(content_.size()));
}

TEST_F(ServerTest, TlsCertificateReloadKeepsOpenConnections) {
  auto first = TestCertificate::create(dir_.path(), "served", 1);
  TlsContextProvider tls({first.certificate, first.key, false});
  LoopbackServer server(api_, {}, [&](Server& s) { s.use_tls(tls); });

  TestClient before(server.port(), first.certificate.string(), true);
  EXPECT_EQ(before.peer_serial(), 1);
  EXPECT_FALSE(tls.reload_if_changed()) << "nothing changed yet";

  // Renewal writes new files in place, as certbot or a Kubernetes secret would.
  auto second = TestCertificate::create(dir_.path(), "served", 2);
  EXPECT_TRUE(tls.reload_if_changed());

  TestClient after(server.port(), second.certificate.string(), true);
  EXPECT_EQ(after.peer_serial(), 2);
  EXPECT_EQ(after.get("/echo").status, 200u);
  // The connection opened before the reload still works with its session.
  EXPECT_EQ(before.get("/echo").status, 200u);
  EXPECT_EQ(before.peer_serial(), 1);
}

TEST_F(ServerTest, ABrokenCertificateKeepsThePreviousOne) {
  auto cert = TestCertificate::create(dir_.path(), "served", 7);
  TlsContextProvider tls({cert.certificate, cert.key, false});
  std::ofstream(cert.key, std::ios::trunc) << "-----BEGIN PRIVATE KEY-----\nhalf written";
  EXPECT_FALSE(tls.reload_if_changed());
  auto reloaded = tls.reload();
  ASSERT_FALSE(reloaded);
  EXPECT_NE(reloaded.error().find("http.tls.key"), std::string::npos) << reloaded.error();
  LoopbackServer server(api_, {}, [&](Server& s) { s.use_tls(tls); });
  TestClient client(server.port(), cert.certificate.string(), true);
  EXPECT_EQ(client.peer_serial(), 7);
}

TEST_F(ServerTest, RejectsUnusableTlsFilesAtStart) {
  auto cert = TestCertificate::create(dir_.path(), "a", 1);
  auto other = TestCertificate::create(dir_.path(), "b", 2);
  try {
    TlsContextProvider tls({cert.certificate, other.key, false});
    FAIL() << "a key of another certificate must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not belong to the certificate"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(TlsContextProvider({cert.key, cert.key, false}), std::runtime_error);
}

TEST_F(ServerTest, PlainClientOnTheTlsPortIsClosed) {
  auto cert = TestCertificate::create(dir_.path(), "c", 1);
  TlsContextProvider tls({cert.certificate, cert.key, false});
  LoopbackServer server(api_, {}, [&](Server& s) { s.use_tls(tls); });
  TestClient client(server.port());
  client.send_raw("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  auto answer = client.read_until_closed();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(answer.find("200"), std::string::npos);
}

TEST_F(ServerTest, LimitsOnTheRequestHead) {
  ServerLimits limits;
  limits.max_url_bytes = 300;
  limits.max_header_count = 10;
  limits.max_header_bytes = 2048;
  LoopbackServer server(api_, limits);

  auto answer_to = [&](const std::string& raw) {
    TestClient client(server.port());
    client.send_raw(raw);
    auto answer = client.read_until_closed();
    EXPECT_TRUE(client.closed_by_server()) << raw.substr(0, 60);
    return answer.substr(0, answer.find("\r\n"));
  };
  EXPECT_EQ(answer_to("GET /" + std::string(400, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 414 URI Too Long");
  std::string many = "GET /echo HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 12; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(answer_to(many + "\r\n"), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(
      answer_to("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(3000, 'b') + "\r\n\r\n"),
      "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(answer_to("GET /echo HTTP/1.1\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer_to("\x16\x03\x01 garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer_to("GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
}

TEST_F(ServerTest, SlowRequestHeadIsCutOffAtTheHeadTimeout) {
  ServerLimits limits;
  limits.header_timeout = 1s;
  limits.idle_timeout = 30s;
  LoopbackServer server(api_, limits);
  TestClient client(server.port());
  EXPECT_EQ(client.get("/echo").status, 200u);
  // Keep-alive: the next request starts, then trickles (slowloris). The idle
  // timeout is long, but once a head has started only the head timeout counts.
  client.send_raw("GET /echo HTTP/1.1\r\n");
  auto answer = client.read_until_closed();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 408 Request Timeout");
}

TEST_F(ServerTest, ConnectionsPerClientAreCapped) {
  ServerLimits limits;
  limits.max_connections_per_client = 2;
  LoopbackServer server(api_, limits,
                        [](Server& s) { s.trust_proxies(*IpRangeSet::parse({"127.0.0.9"})); });
  TestClient a(server.port()), b(server.port());
  EXPECT_EQ(a.get("/echo").status, 200u);
  EXPECT_EQ(b.get("/echo").status, 200u);
  TestClient refused(server.port());
  refused.read_until_closed();
  EXPECT_TRUE(refused.closed_by_server());
  TestClient other_client(server.port(), "127.0.0.2");
  EXPECT_EQ(other_client.get("/echo").status, 200u);
  TestClient proxy1(server.port(), "127.0.0.9"), proxy2(server.port(), "127.0.0.9"),
      proxy3(server.port(), "127.0.0.9");
  EXPECT_EQ(proxy3.get("/echo").status, 200u) << "trusted proxies carry many clients";
}

TEST_F(ServerTest, ForwardedHeadersOnlyFromTrustedProxies) {
  LoopbackServer server(api_, {},
                        [](Server& s) { s.trust_proxies(*IpRangeSet::parse({"127.0.0.1"})); });
  const std::map<std::string, std::string> forwarded{{"X-Forwarded-For", "203.0.113.5"},
                                                     {"X-Forwarded-Proto", "https"},
                                                     {"X-Forwarded-Host", "mirror.example.com"}};
  TestClient trusted(server.port());
  EXPECT_EQ(trusted.get("/echo", forwarded).body,
            "client=203.0.113.5 scheme=https host=mirror.example.com");
  TestClient untrusted(server.port(), "127.0.0.2");
  EXPECT_EQ(untrusted.get("/echo", forwarded).body, "client=127.0.0.2 scheme=http host=localhost");
}

}  // namespace
}  // namespace regcache::http
