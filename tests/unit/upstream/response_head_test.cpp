#include "upstream/response_head.hpp"

#include <gtest/gtest.h>

namespace regcache::upstream {
namespace {

TEST(ResponseHead, KeepsOnlyTheLastResponseAfterRedirects) {
  ResponseHead head;
  EXPECT_EQ(head.add_line("HTTP/1.1 307 Temporary Redirect\r\n"), ResponseHead::Line::status);
  head.add_line("Location: http://cdn/x\r\n");
  EXPECT_EQ(head.add_line("\r\n"), ResponseHead::Line::end_of_head);
  EXPECT_EQ(head.status(), 307);
  head.add_line("HTTP/2 200 \r\n");
  EXPECT_FALSE(head.complete());
  head.add_line("content-length: 42\r\n");
  head.add_line("WWW-Authenticate: Bearer a=1\r\n");
  head.add_line("www-authenticate:   Basic b=2  \r\n");
  head.add_line("\r\n");
  EXPECT_TRUE(head.complete());
  EXPECT_EQ(head.status(), 200);
  EXPECT_FALSE(head.get("location"));
  EXPECT_EQ(head.get("Content-Length"), "42");
  EXPECT_EQ(head.get_all("WWW-Authenticate"),
            (std::vector<std::string>{"Bearer a=1", "Basic b=2"}));
}

TEST(ResponseHead, IgnoresJunk) {
  ResponseHead head;
  EXPECT_EQ(head.add_line("\r\n"), ResponseHead::Line::ignored);  // no status yet
  head.add_line("HTTP/1.1 abc\r\n");
  EXPECT_EQ(head.status(), 0);
  head.add_line("HTTP/1.1 404 Not Found\r\n");
  EXPECT_EQ(head.add_line("no colon here\r\n"), ResponseHead::Line::ignored);
  EXPECT_EQ(head.add_line(": empty name\r\n"), ResponseHead::Line::ignored);
  EXPECT_EQ(head.status(), 404);
  EXPECT_TRUE(head.fields().empty());
}

TEST(ContentRange, Parses) {
  auto range = parse_content_range("bytes 100-199/200");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 100u);
  EXPECT_EQ(range->last, 199u);
  EXPECT_EQ(range->complete_length, 200u);
  auto unknown = parse_content_range("bytes 0-9/*");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->complete_length);
}

TEST(ContentRange, RejectsMalformed) {
  for (const char* bad : {"", "bytes", "bytes */200", "items 0-1/2", "bytes 5-4/10", "bytes 0-9/9",
                          "bytes a-b/c", "bytes 0-9", "bytes -1-9/10"}) {
    EXPECT_FALSE(parse_content_range(bad)) << bad;
  }
}

TEST(ParseDecimal, Strict) {
  EXPECT_EQ(parse_decimal(" 123 "), 123u);
  EXPECT_FALSE(parse_decimal(""));
  EXPECT_FALSE(parse_decimal("-1"));
  EXPECT_FALSE(parse_decimal("12x"));
  EXPECT_FALSE(parse_decimal("99999999999999999999999"));
}

}  // namespace
}  // namespace regcache::upstream
