#include "config/remote_url.hpp"

#include <gtest/gtest.h>

#include "config/url.hpp"

namespace regcache::config {
namespace {

TEST(ParseRemoteUrl, NormalisesAndNamesTheUpstream) {
  struct Case {
    const char* text;
    const char* url;
    const char* name;
    bool docker_hub;
  };
  const Case cases[] = {
      {"https://registry-1.docker.io", "https://registry-1.docker.io", "docker.io", true},
      {"https://registry-1.docker.io/", "https://registry-1.docker.io", "docker.io", true},
      {"https://Registry-1.Docker.IO//", "https://registry-1.docker.io", "docker.io", true},
      {"HTTPS://index.docker.io", "https://index.docker.io", "docker.io", true},
      {"https://docker.io:443", "https://docker.io:443", "docker.io", true},
      {"https://ghcr.io", "https://ghcr.io", "ghcr.io", false},
      {"http://registry.local:5000/", "http://registry.local:5000", "registry.local:5000", false},
      {"https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443", "[2001:db8::1]:8443", false},
      {"https://artifactory.example.com/api/docker/hub/",
       "https://artifactory.example.com/api/docker/hub", "artifactory.example.com", false},
      {"https://docker.io:8443", "https://docker.io:8443", "docker.io:8443", false},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_remote_url(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error();
    EXPECT_EQ(parsed->url, c.url) << c.text;
    EXPECT_EQ(parsed->name, c.name) << c.text;
    EXPECT_EQ(parsed->docker_hub, c.docker_hub) << c.text;
  }
}

TEST(ParseRemoteUrl, RejectsWithAReason) {
  struct Case {
    const char* text;
    const char* reason_part;
  };
  const Case cases[] = {
      {"", "empty"},
      {"registry-1.docker.io", "missing scheme"},
      {"ftp://mirror.example", "unsupported scheme \"ftp\""},
      {"https://", "missing host"},
      {"https:///v2", "missing host"},
      {"https://:443", "missing host"},
      {"https://host:0", "port must be a number 1..65535"},
      {"https://host:99999", "port must be a number 1..65535"},
      {"https://host:abc", "port must be a number 1..65535"},
      {"https://host?x=1", "query"},
      {"https://host#top", "fragment"},
      {"https://user:secret@host", "credentials in the URL are not supported"},
      {"https://registry-1.docker.io/v2/", "must not end in /v2"},
      {"https://ho st", "spaces"},
      {"https://bad_host!", "invalid host name"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_remote_url(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.error().find(c.reason_part), std::string::npos)
        << c.text << ": " << parsed.error();
    EXPECT_EQ(parsed.error().find("secret"), std::string::npos) << parsed.error();
  }
}

TEST(RedactUrl, HidesUserinfo) {
  EXPECT_EQ(redact_url("http://user:secret@proxy:3128"), "http://***@proxy:3128");
  EXPECT_EQ(redact_url("http://user:se/cr@et@proxy:3128/"), "http://***@proxy:3128/");
  EXPECT_EQ(redact_url("user:secret@proxy:3128"), "***@proxy:3128");
  EXPECT_EQ(redact_url("http://proxy:3128"), "http://proxy:3128");
  EXPECT_EQ(redact_url("proxy:3128"), "proxy:3128");
}

}  // namespace
}  // namespace regcache::config
