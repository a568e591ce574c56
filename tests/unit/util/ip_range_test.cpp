#include "util/ip_range.hpp"

#include <gtest/gtest.h>

namespace regcache {
namespace {

namespace ip = boost::asio::ip;

IpRange range(std::string_view text) {
  auto parsed = IpRange::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error());
  return *parsed;
}

TEST(IpRange, MatchesIpv4Prefixes) {
  auto r = range("10.1.0.0/16");
  EXPECT_TRUE(r.contains(ip::make_address("10.1.0.0")));
  EXPECT_TRUE(r.contains(ip::make_address("10.1.255.255")));
  EXPECT_FALSE(r.contains(ip::make_address("10.2.0.1")));
  EXPECT_FALSE(r.contains(ip::make_address("::1")));
  EXPECT_TRUE(range("0.0.0.0/0").contains(ip::make_address("203.0.113.9")));
  EXPECT_TRUE(range("192.168.1.128/25").contains(ip::make_address("192.168.1.200")));
  EXPECT_FALSE(range("192.168.1.128/25").contains(ip::make_address("192.168.1.127")));
}

TEST(IpRange, SingleAddressIsAHostRange) {
  EXPECT_EQ(range("127.0.0.1").str(), "127.0.0.1/32");
  EXPECT_EQ(range("::1").str(), "::1/128");
  EXPECT_TRUE(range("127.0.0.1").contains(ip::make_address("127.0.0.1")));
  EXPECT_FALSE(range("127.0.0.1").contains(ip::make_address("127.0.0.2")));
}

TEST(IpRange, MatchesIpv6Prefixes) {
  auto r = range("2001:db8:abcd::/48");
  EXPECT_TRUE(r.contains(ip::make_address("2001:db8:abcd:12::1")));
  EXPECT_FALSE(r.contains(ip::make_address("2001:db8:abce::1")));
  EXPECT_FALSE(r.contains(ip::make_address("10.0.0.1")));
  EXPECT_TRUE(range("2001:db8::/31").contains(ip::make_address("2001:db9::1")));
  EXPECT_FALSE(range("2001:db8::/31").contains(ip::make_address("2001:dba::1")));
}

TEST(IpRange, Ipv4MappedAddressesMatchIpv4Ranges) {
  // A dual-stack listener reports IPv4 clients this way.
  EXPECT_TRUE(range("127.0.0.0/8").contains(ip::make_address("::ffff:127.0.0.5")));
  EXPECT_EQ(unmapped(ip::make_address("::ffff:10.0.0.1")).to_string(), "10.0.0.1");
  EXPECT_EQ(range("::ffff:10.0.0.0/8").str(), "10.0.0.0/8");
}

TEST(IpRange, RejectsMalformedRanges) {
  for (const char* bad :
       {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "::1/129", "10.0.0.1/8",
        "2001:db8::1/32", "host.example", "10.0.0.0/8x", "fe80::1%1", "[::1]"}) {
    EXPECT_FALSE(IpRange::parse(bad)) << bad;
  }
}

TEST(IpRangeSet, NamesTheBadEntry) {
  auto set = IpRangeSet::parse({"10.0.0.0/8", "300.1.1.1"});
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error(), "\"300.1.1.1\": not an IP address");
}

TEST(IpRangeSet, MatchesAnyRange) {
  auto set = *IpRangeSet::parse({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_TRUE(set.contains("10.9.9.9"));
  EXPECT_TRUE(set.contains("2001:db8::5"));
  EXPECT_FALSE(set.contains("11.0.0.1"));
  EXPECT_FALSE(set.contains("not-an-address"));
  EXPECT_TRUE(IpRangeSet().empty());
}

}  // namespace
}  // namespace regcache

namespace regcache {
namespace {

TEST(ClientKey, Ipv6ClientsCountByTheirSlash64) {
  EXPECT_EQ(client_key("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(client_key("::ffff:203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("2001:db8:1:2:bbbb::7"), client_key("2001:db8:1:2::99"));
  EXPECT_NE(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
  EXPECT_EQ(client_key("unknown"), "unknown");
}

}  // namespace
}  // namespace regcache
