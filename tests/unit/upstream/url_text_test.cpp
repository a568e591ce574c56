#include "upstream/url_text.hpp"

#include <gtest/gtest.h>

#include "upstream/retry_policy.hpp"

namespace regcache::upstream {
namespace {

using namespace std::chrono_literals;

TEST(UrlText, PercentEncode) {
  EXPECT_EQ(percent_encode("repository:library/alpine:pull"),
            "repository%3Alibrary%2Falpine%3Apull");
  EXPECT_EQ(percent_encode("a-b_c.d~e f+"), "a-b_c.d~e%20f%2B");
}

TEST(UrlText, RedactRemovesCredentialsAndQuery) {
  EXPECT_EQ(redact_url("https://user:pw@host:5000/v2/x?sig=secret", false),
            "https://host:5000/v2/x");
  EXPECT_EQ(redact_url("https://host/token?scope=a", true), "https://host/token?scope=a");
  EXPECT_EQ(redact_url("http://host/a@b", true), "http://host/a@b");
  EXPECT_EQ(url_authority("https://u:p@cdn.example:8443/x"), "cdn.example:8443");
}

TEST(RetryPolicy, ExponentialAndCapped) {
  RetryPolicy policy(5, 200ms, 1000ms);
  EXPECT_EQ(policy.delay(0), 200ms);
  EXPECT_EQ(policy.delay(1), 400ms);
  EXPECT_EQ(policy.delay(2), 800ms);
  EXPECT_EQ(policy.delay(3), 1000ms);
  EXPECT_EQ(policy.delay(40), 1000ms);
}

TEST(RetryPolicy, WaitEndsOnStop) {
  std::stop_source source;
  source.request_stop();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_unless_stopped(10s, source.get_token()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(wait_unless_stopped(1ms, std::stop_token()));
}

}  // namespace
}  // namespace regcache::upstream
