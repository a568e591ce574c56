#include "config/egress_proxy.hpp"

#include <gtest/gtest.h>

#include "config/config_error.hpp"

namespace regcache::config {
namespace {

std::string error_of(const Environment& env) {
  try {
    egress_proxy_from_environment(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

TEST(EgressProxy, NoneByDefault) {
  const EgressProxy proxy = egress_proxy_from_environment({});
  EXPECT_EQ(proxy.http_proxy, "");
  EXPECT_EQ(proxy.https_proxy, "");
  EXPECT_EQ(proxy.no_proxy, "");
}

TEST(EgressProxy, ReadsAllThreeVariables) {
  const EgressProxy proxy = egress_proxy_from_environment({
      {"HTTP_PROXY", "http://proxy.corp:3128"},
      {"HTTPS_PROXY", "http://user:pa%40ss@proxy.corp:3129/"},
      {"NO_PROXY", "localhost,127.0.0.1,.internal,10.0.0.0/8"},
  });
  EXPECT_EQ(proxy.http_proxy, "http://proxy.corp:3128");
  EXPECT_EQ(proxy.https_proxy, "http://user:pa%40ss@proxy.corp:3129");
  EXPECT_EQ(proxy.no_proxy, "localhost,127.0.0.1,.internal,10.0.0.0/8");
}

TEST(EgressProxy, UpperCaseWinsAndLowerCaseIsTheFallback) {
  const EgressProxy both = egress_proxy_from_environment({
      {"HTTPS_PROXY", "http://upper:3128"},
      {"https_proxy", "http://lower:3128"},
      {"NO_PROXY", "upper.example"},
      {"no_proxy", "lower.example"},
  });
  EXPECT_EQ(both.https_proxy, "http://upper:3128");
  EXPECT_EQ(both.no_proxy, "upper.example");

  // An empty variable counts as unset, as in Go.
  const EgressProxy lower = egress_proxy_from_environment({
      {"HTTPS_PROXY", ""},
      {"https_proxy", "http://lower:3128"},
      {"http_proxy", "http://lower-http:3128"},
      {"no_proxy", "lower.example"},
  });
  EXPECT_EQ(lower.https_proxy, "http://lower:3128");
  EXPECT_EQ(lower.http_proxy, "http://lower-http:3128");
  EXPECT_EQ(lower.no_proxy, "lower.example");
}

TEST(EgressProxy, NormalisesSchemeAndPortLikeGo) {
  struct Case {
    const char* value;
    const char* expected;
  };
  const Case cases[] = {
      {"proxy.corp:3128", "http://proxy.corp:3128"},
      {"proxy.corp", "http://proxy.corp:80"},
      {"http://proxy.corp", "http://proxy.corp:80"},
      {"https://proxy.corp", "https://proxy.corp:443"},
      {"socks5://proxy.corp", "socks5://proxy.corp:1080"},
      {"socks5h://proxy.corp:9050", "socks5h://proxy.corp:9050"},
      {"HTTP://Proxy.Corp:8080/", "http://proxy.corp:8080"},
      {"http://[fd00::1]:3128", "http://[fd00::1]:3128"},
  };
  for (const auto& c : cases) {
    const auto normalized = normalize_proxy_url(c.value);
    ASSERT_TRUE(normalized.ok()) << c.value << ": " << normalized.error();
    EXPECT_EQ(*normalized, c.expected) << c.value;
  }
}

TEST(EgressProxy, InvalidUrlNamesTheVariableAndHidesTheCredentials) {
  const std::string bad_port = error_of({{"HTTPS_PROXY", "http://user:secret@proxy:99999"}});
  EXPECT_NE(bad_port.find("environment HTTPS_PROXY: invalid proxy URL"), std::string::npos)
      << bad_port;
  EXPECT_NE(bad_port.find("port must be a number 1..65535"), std::string::npos) << bad_port;
  EXPECT_NE(bad_port.find("***@proxy:99999"), std::string::npos) << bad_port;
  EXPECT_EQ(bad_port.find("secret"), std::string::npos) << bad_port;

  const std::string bad_scheme = error_of({{"http_proxy", "ftp://proxy:21"}});
  EXPECT_NE(bad_scheme.find("environment http_proxy:"), std::string::npos) << bad_scheme;
  EXPECT_NE(bad_scheme.find("unsupported scheme \"ftp\""), std::string::npos) << bad_scheme;

  const std::string no_host = error_of({{"HTTP_PROXY", "http://:3128"}});
  EXPECT_NE(no_host.find("missing host"), std::string::npos) << no_host;

  const std::string path = error_of({{"HTTP_PROXY", "http://proxy:3128/some/path"}});
  EXPECT_NE(path.find("must not have a path"), std::string::npos) << path;
}

}  // namespace
}  // namespace regcache::config
