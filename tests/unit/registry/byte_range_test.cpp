#include "registry/byte_range.hpp"

#include <gtest/gtest.h>

using regcache::registry::ByteRange;
using regcache::registry::parse_byte_range;

TEST(ByteRange, WholeWhenAbsentOrIgnored) {
  EXPECT_EQ(parse_byte_range("", 100).kind, ByteRange::Kind::whole);
  EXPECT_EQ(parse_byte_range("items=0-1", 100).kind, ByteRange::Kind::whole);
  EXPECT_EQ(parse_byte_range("bytes=0-1,5-6", 100).kind, ByteRange::Kind::whole);
  EXPECT_EQ(parse_byte_range("bytes=abc", 100).kind, ByteRange::Kind::whole);
  EXPECT_EQ(parse_byte_range("bytes=5-2", 100).kind, ByteRange::Kind::whole);
}

TEST(ByteRange, Partial) {
  auto r = parse_byte_range("bytes=10-19", 100);
  ASSERT_EQ(r.kind, ByteRange::Kind::partial);
  EXPECT_EQ(r.first, 10u);
  EXPECT_EQ(r.last, 19u);
  EXPECT_EQ(r.length(), 10u);

  r = parse_byte_range("bytes=90-", 100);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);

  r = parse_byte_range("bytes=90-1000", 100);
  EXPECT_EQ(r.last, 99u);

  r = parse_byte_range("bytes=-4", 100);
  EXPECT_EQ(r.first, 96u);
  EXPECT_EQ(r.last, 99u);

  r = parse_byte_range("bytes=-400", 100);
  EXPECT_EQ(r.first, 0u);
}

TEST(ByteRange, Unsatisfiable) {
  EXPECT_EQ(parse_byte_range("bytes=100-", 100).kind, ByteRange::Kind::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=-0", 100).kind, ByteRange::Kind::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=0-", 0).kind, ByteRange::Kind::unsatisfiable);
}
