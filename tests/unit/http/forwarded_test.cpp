#include "http/forwarded.hpp"

#include <gtest/gtest.h>

namespace regcache::http {
namespace {

namespace ip = boost::asio::ip;

class Forwarded : public ::testing::Test {
 protected:
  ForwardedOrigin resolve(const char* peer,
                          std::initializer_list<std::pair<const char*, const char*>> headers,
                          bool tls = false) {
    Request request{bhttp::verb::get, "/v2/", 11};
    request.set(bhttp::field::host, "origin.internal:5000");
    for (const auto& [name, value] : headers) request.insert(name, value);
    return resolve_origin(ip::make_address(peer), tls, request, trusted_);
  }
  IpRangeSet trusted_ = *IpRangeSet::parse({"10.0.0.0/8", "::1"});
};

TEST_F(Forwarded, DirectClientsAreTheirPeer) {
  auto origin = resolve("203.0.113.9", {{"X-Forwarded-For", "1.2.3.4"},
                                        {"X-Forwarded-Proto", "https"},
                                        {"X-Forwarded-Host", "evil.example"}});
  EXPECT_EQ(origin.client, "203.0.113.9");
  EXPECT_EQ(origin.scheme, "http");
  EXPECT_EQ(origin.host, "origin.internal:5000");
  EXPECT_FALSE(origin.via_proxy);
  EXPECT_EQ(resolve("::ffff:203.0.113.9", {}).client, "203.0.113.9");
  EXPECT_EQ(resolve("203.0.113.9", {}, true).scheme, "https");
}

TEST_F(Forwarded, TrustedProxyHeadersAreBelieved) {
  auto origin = resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.7"},
                                     {"X-Forwarded-Proto", "HTTPS"},
                                     {"X-Forwarded-Host", "mirror.example.com"}});
  EXPECT_EQ(origin.client, "198.51.100.7");
  EXPECT_EQ(origin.scheme, "https");
  EXPECT_EQ(origin.host, "mirror.example.com");
  EXPECT_TRUE(origin.via_proxy);
}

TEST_F(Forwarded, TheRightmostUntrustedAddressIsTheClient) {
  // The client wrote "6.6.6.6" itself; the CDN appended the real address, nginx the CDN's.
  EXPECT_EQ(resolve("::1", {{"X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.1.1.1"}}).client,
            "198.51.100.7");
  EXPECT_EQ(
      resolve("::1", {{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "198.51.100.7"}}).client,
      "198.51.100.7")
      << "several header fields form one list";
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "10.0.0.3, 10.0.0.4"}}).client, "10.0.0.3")
      << "all trusted: the leftmost";
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "[2001:db8::5]:4431"}}).client, "2001:db8::5");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.7:51000"}}).client,
            "198.51.100.7");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "::ffff:198.51.100.7"}}).client,
            "198.51.100.7");
}

TEST_F(Forwarded, MalformedEntriesStopTheWalk) {
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.7, garbage"}}).client, "10.0.0.2");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "garbage, 10.0.0.5"}}).client, "10.0.0.5");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", ""}}).client, "10.0.0.2");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-Host", "bad host/x"}}).host, "origin.internal:5000");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-Proto", "gopher"}}).scheme, "http");
}

TEST_F(Forwarded, RealIpWhenNoForwardedFor) {
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Real-IP", "198.51.100.8"}}).client, "198.51.100.8");
  EXPECT_EQ(
      resolve("10.0.0.2", {{"X-Real-IP", "198.51.100.8"}, {"X-Forwarded-For", "198.51.100.9"}})
          .client,
      "198.51.100.9");
}

}  // namespace
}  // namespace regcache::http
