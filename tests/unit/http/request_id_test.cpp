#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace regcache::http {
namespace {

TEST(RequestId, KeepsAnAcceptableClientId) {
  EXPECT_EQ(request_id_for("lb-1234.abc:def/+="), "lb-1234.abc:def/+=");
}

TEST(RequestId, ReplacesUnsafeOrMissingIds) {
  for (std::string_view bad : {"", "has space", "quote\"", "new\nline", "tab\t"}) {
    auto id = request_id_for(bad);
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u);
    EXPECT_TRUE(acceptable_request_id(id));
  }
  EXPECT_FALSE(acceptable_request_id(std::string(129, 'a')));
  EXPECT_TRUE(acceptable_request_id(std::string(128, 'a')));
}

TEST(RequestId, GeneratedIdsDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(generate_request_id());
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace regcache::http
