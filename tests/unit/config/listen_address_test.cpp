#include "config/listen_address.hpp"

#include <gtest/gtest.h>

namespace regcache::config {
namespace {

TEST(ParseListenAddress, AcceptsGoListenForms) {
  struct Case {
    const char* addr;
    const char* host;
    uint16_t port;
  };
  const Case cases[] = {
      {":5000", "", 5000},
      {"0.0.0.0:5000", "0.0.0.0", 5000},
      {"127.0.0.1:0", "127.0.0.1", 0},
      {"[::1]:5000", "::1", 5000},
      {"[::]:443", "::", 443},
      {"[fe80::1%eth0]:5000", "fe80::1%eth0", 5000},
      {"localhost:5000", "localhost", 5000},
      {"registry.internal:65535", "registry.internal", 65535},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_listen_address(c.addr);
    ASSERT_TRUE(parsed.ok()) << c.addr << ": " << parsed.error();
    EXPECT_EQ(parsed->host, c.host) << c.addr;
    EXPECT_EQ(parsed->port, c.port) << c.addr;
  }
}

TEST(ParseListenAddress, RejectsWithAReason) {
  struct Case {
    const char* addr;
    const char* reason_part;
  };
  const Case cases[] = {
      {"", "empty"},
      {"5000", "did you mean \":5000\"?"},
      {"5000x", "missing port"},
      {"localhost", "missing port"},
      {":", "port must be a number 0..65535"},
      {"localhost:", "port must be a number 0..65535"},
      {":65536", "port must be a number 0..65535"},
      {":http", "port must be a number 0..65535"},
      {":-1", "port must be a number 0..65535"},
      {":5000x", "port must be a number 0..65535"},
      {"::1:5000", "IPv6 addresses must be in brackets"},
      {"[::1:5000", "missing ']'"},
      {"[::1]", "missing port"},
      {"[::1]5000", "missing port"},
      {"[nonsense]:5000", "invalid IPv6 address"},
      {"bad host:5000", "invalid host"},
      {"300.1.1.1:5000", "invalid host"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_listen_address(c.addr);
    ASSERT_FALSE(parsed.ok()) << c.addr;
    EXPECT_NE(parsed.error().find(c.reason_part), std::string::npos)
        << c.addr << ": " << parsed.error();
  }
}

}  // namespace
}  // namespace regcache::config
