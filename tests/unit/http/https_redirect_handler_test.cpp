#include "http/https_redirect_handler.hpp"

#include <gtest/gtest.h>

#include "http/fake_api.hpp"
#include "support/loopback_server.hpp"

namespace regcache::http {
namespace {

TEST(HttpsRedirect, BuildsTheHttpsUrlOfTheSameResource) {
  HttpsRedirectHandler on_443(443), on_5443(5443);
  EXPECT_EQ(on_443.location("mirror.example.com", "/v2/"), "https://mirror.example.com/v2/");
  EXPECT_EQ(on_443.location("mirror.example.com:80", "/v2/x?ns=docker.io"),
            "https://mirror.example.com/v2/x?ns=docker.io");
  EXPECT_EQ(on_5443.location("mirror.example.com:8080", "/v2/"),
            "https://mirror.example.com:5443/v2/");
  EXPECT_EQ(on_5443.location("[::1]:8080", "/v2/"), "https://[::1]:5443/v2/");
  EXPECT_EQ(on_443.location("", "/v2/"), "");
  EXPECT_EQ(on_443.location("evil.example/path", "/v2/"), "");
  EXPECT_EQ(on_443.location("a\r\nSet-Cookie: x", "/v2/"), "");
  EXPECT_EQ(on_443.location("mirror", "*"), "");
}

TEST(HttpsRedirect, AnswersEveryRequestWithARedirect) {
  HttpsRedirectHandler handler(5443);
  test_support::LoopbackServer server(handler);
  test_support::TestClient client(server.port());
  auto get = client.get("/v2/library/alpine/manifests/3.20");
  EXPECT_EQ(get.status, 301u);
  EXPECT_EQ(get.header("location"), "https://localhost:5443/v2/library/alpine/manifests/3.20");
  auto post = client.get("/v2/x/blobs/uploads/", {}, bhttp::verb::post);
  EXPECT_EQ(post.status, 308u);
}

}  // namespace
}  // namespace regcache::http
