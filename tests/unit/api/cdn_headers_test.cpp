// What a CDN or any shared cache in front sees: Cache-Control per kind of
// content, and conditional requests (If-None-Match, If-Range).
#include <gtest/gtest.h>

#include "api/cache_policy.hpp"
#include "api/conditional_request.hpp"

namespace regcache::api {
namespace {

using namespace std::chrono_literals;

TEST(CachePolicy, DigestsAreImmutableTagsShortLived) {
  CachePolicy open(60s, false);
  EXPECT_EQ(open.by_digest(), "public, max-age=31536000, immutable");
  EXPECT_EQ(open.by_tag(), "public, max-age=60");
  EXPECT_EQ(CachePolicy(0s, false).by_tag(), "no-cache");
}

TEST(CachePolicy, AuthenticatedContentIsPrivate) {
  CachePolicy closed(300s, true);
  EXPECT_EQ(closed.by_digest(), "private, max-age=31536000, immutable");
  EXPECT_EQ(closed.by_tag(), "private, max-age=300");
  EXPECT_EQ(CachePolicy(0s, true).by_tag(), "private, no-cache");
}

constexpr const char* kDigest =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";

TEST(ConditionalRequest, IfNoneMatch) {
  const std::string tag = std::string("\"") + kDigest + "\"";
  EXPECT_TRUE(if_none_match_matches(tag, kDigest));
  EXPECT_TRUE(if_none_match_matches(kDigest, kDigest)) << "bare digest";
  EXPECT_TRUE(if_none_match_matches("*", kDigest));
  EXPECT_TRUE(if_none_match_matches("\"other\", W/" + tag, kDigest)) << "list, weak compare";
  EXPECT_FALSE(if_none_match_matches("\"other\"", kDigest));
  EXPECT_FALSE(if_none_match_matches(", ,", kDigest));
  EXPECT_FALSE(if_none_match_matches("\"\"", kDigest));
}

TEST(ConditionalRequest, IfRange) {
  const std::string tag = std::string("\"") + kDigest + "\"";
  EXPECT_TRUE(if_range_matches(tag, kDigest));
  EXPECT_TRUE(if_range_matches(" " + tag + " ", kDigest));
  EXPECT_FALSE(if_range_matches("W/" + tag, kDigest)) << "If-Range compares strongly";
  EXPECT_FALSE(if_range_matches("Wed, 21 Oct 2015 07:28:00 GMT", kDigest))
      << "no Last-Modified is sent, so a date never matches";
  EXPECT_FALSE(if_range_matches("\"sha256:other\"", kDigest));
}

}  // namespace
}  // namespace regcache::api
