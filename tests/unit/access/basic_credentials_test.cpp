#include "access/basic_credentials.hpp"

#include <gtest/gtest.h>

namespace regcache::access {
namespace {

TEST(BasicCredentials, DecodesUserAndPassword) {
  auto c = parse_basic_authorization(
      "Basic YWxpY2U6czNjcjN0OndpdGg6Y29sb25z");  // alice:s3cr3t:with:colons
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "s3cr3t:with:colons");
  auto lower = parse_basic_authorization("basic  Ym9iOg== ");  // bob: (empty password)
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->user, "bob");
  EXPECT_EQ(lower->password, "");
  auto one_pad = parse_basic_authorization("Basic YWI6Y2Q=");  // ab:cd
  ASSERT_TRUE(one_pad);
  EXPECT_EQ(one_pad->password, "cd");
}

TEST(BasicCredentials, RejectsOtherSchemesAndBadEncodings) {
  for (const char* bad :
       {"", "Basic", "Basic ", "Bearer YWxpY2U6cw==", "Basic YWxpY2U",
        "Basic YWxp=2U6cw==", "Basic YWxpY2U6c!==", "Basic bm9jb2xvbg==", "BasicYWxpY2U6cw=="}) {
    EXPECT_FALSE(parse_basic_authorization(bad)) << bad;
  }
  EXPECT_FALSE(parse_basic_authorization("Basic " + std::string(8192, 'A')));
}

}  // namespace
}  // namespace regcache::access
