#include "upstream/token_response.hpp"

#include <gtest/gtest.h>

namespace regcache::upstream {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

TEST(TokenResponse, TokenOrAccessToken) {
  auto a = parse_token_response(R"({"token":"t1","expires_in":300})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->token, "t1");
  EXPECT_EQ(a->expires_in, 300s);
  auto b = parse_token_response(R"({"access_token":"t2"})");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->token, "t2");
  EXPECT_EQ(b->expires_in, 60s);  // the spec's default
}

TEST(TokenResponse, RejectsBodiesWithoutToken) {
  for (const char* body : {"", "not json", "[]", "{}", R"({"token":""})", R"({"token":5})"}) {
    EXPECT_FALSE(parse_token_response(body)) << body;
  }
}

TEST(TokenResponse, OddExpiresInFallsBackToDefault) {
  EXPECT_EQ(parse_token_response(R"({"token":"t","expires_in":-5})")->expires_in, 60s);
  EXPECT_EQ(parse_token_response(R"({"token":"t","expires_in":"300"})")->expires_in, 60s);
}

TEST(TokenResponse, IssuedAtShortensTheLifetime) {
  auto grant = parse_token_response(
      R"({"token":"t","expires_in":300,"issued_at":"2024-05-01T10:00:00.123456Z"})");
  ASSERT_TRUE(grant);
  ASSERT_TRUE(grant->issued_at);
  auto issued = *grant->issued_at;
  EXPECT_EQ(remaining_lifetime(*grant, issued + 100s), 200s);
  // Skewed clocks: issued in the future, or longer ago than the lifetime.
  EXPECT_EQ(remaining_lifetime(*grant, issued - 50s), 300s);
  EXPECT_EQ(remaining_lifetime(*grant, issued + 1000s), 300s);
}

TEST(Rfc3339, ParsesOffsetsAndFractions) {
  auto utc = parse_rfc3339("2024-05-01T10:00:00Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(system_clock::to_time_t(*utc), 1714557600);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00+02:00"), utc);
  EXPECT_EQ(parse_rfc3339("2024-05-01T09:30:00.5-00:30"), utc);
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01T10:00:00", "2024-13-01T10:00:00Z", "2024-05-01T10:00:00X",
        "2024-05-01T10:00:00Zjunk", "2024-05-01T10:00:00.Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(Rfc3339, DatesOutsideTheClocksRangeAreRefusedNotOverflowed) {
  // Found by tests/fuzz/fuzz_www_authenticate (UBSan: signed overflow): a
  // hostile token server's issued_at must not wrap the nanosecond clock.
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2200-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_token_response(R"({"token":"t","issued_at":"4052-10-09T20:00:00Z"})"));
}

}  // namespace
}  // namespace regcache::upstream
