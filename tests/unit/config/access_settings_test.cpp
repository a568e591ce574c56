// The settings for serving on the public internet: TLS details, trusted
// proxies, htpasswd, CDN, origin protection and fair-use limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/config_fixture.hpp"

namespace regcache::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::TempDir;

class AccessSettings : public testing::ConfigFixture {
 protected:
  std::string tls_yaml() const {
    const auto cert = dir_.write("cert.pem", "-----BEGIN CERTIFICATE-----\n");
    const auto key = dir_.write("key.pem", "-----BEGIN PRIVATE KEY-----\n");
    return "http:\n  addr: :5443\n  tls:\n    certificate: " + cert.string() +
           "\n    key: " + key.string() + "\n";
  }

};

TEST_F(AccessSettings, DefaultsChangeNothing) {
  const Config config = load("");
  const auto& access = config.access;
  EXPECT_THAT(access.trusted_proxies, IsEmpty());
  EXPECT_TRUE(access.auth.htpasswd.empty());
  EXPECT_EQ(access.cdn.tag_max_age, 60s);
  EXPECT_EQ(access.cdn.blob_redirect, "");
  EXPECT_THAT(access.origin.secrets, IsEmpty());
  EXPECT_EQ(access.origin.secret_header, "X-CDN-Auth");
  EXPECT_THAT(access.origin.health_paths, ElementsAre("/healthz", "/readyz"));
  EXPECT_EQ(access.limits.requests_per_second, 0u);
  EXPECT_EQ(access.limits.upstream_fetches, 0u);
  EXPECT_EQ(config.http.tls.minimum_version, "tls1.2");
  EXPECT_EQ(config.http.tls.reload_interval, 10s);
  EXPECT_EQ(config.tuning.max_url_bytes, 8192u);
  EXPECT_EQ(config.tuning.max_header_count, 100u);
}

TEST_F(AccessSettings, ReadsEverySectionFromTheFile) {
  const auto htpasswd = dir_.write("htpasswd", "alice:$2y$05$abc\n");
  const Config config =
      load(tls_yaml() + "    minimumtls: TLS1.3\n" +
           "auth:\n  htpasswd:\n    realm: My Mirror\n    path: " + htpasswd.string() + R"(
regcache:
  max_url_bytes: 4096
  max_header_count: 50
  trusted_proxies: [127.0.0.1, "10.0.0.0/8", "::1"]
  tls:
    redirect_addr: :8080
    reload_interval: 0s
  auth:
    anonymous_pull: true
  cdn:
    tag_max_age: 5m
    blob_redirect: https://cdn.example.com/mirror/
  origin:
    secret_header: X-Origin-Key
    secrets: [first-secret-0123456789, second-secret-0123456789]
    allow: [203.0.113.0/24, "2001:db8::/32"]
    deny: [203.0.113.7]
    health_paths: [/healthz]
    health_allow: [10.0.0.0/8]
  limits:
    requests_per_second: 20
    request_burst: 40
    downloads_per_client: 4
    connections_per_client: 64
    upstream_fetches: 8
)");
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_EQ(config.http.tls.minimum_version, "tls1.3");
  EXPECT_EQ(config.http.tls.redirect_port, 8080);
  EXPECT_EQ(config.http.tls.redirect_host, "");
  EXPECT_EQ(config.http.tls.reload_interval, 0s);
  EXPECT_EQ(config.tuning.max_url_bytes, 4096u);
  EXPECT_EQ(config.tuning.max_header_count, 50u);
  const auto& access = config.access;
  EXPECT_THAT(access.trusted_proxies, ElementsAre("127.0.0.1", "10.0.0.0/8", "::1"));
  EXPECT_EQ(access.auth.htpasswd, htpasswd);
  EXPECT_EQ(access.auth.realm, "My Mirror");
  EXPECT_TRUE(access.auth.anonymous_pull);
  EXPECT_EQ(access.cdn.tag_max_age, 300s);
  EXPECT_EQ(access.cdn.blob_redirect, "https://cdn.example.com/mirror");
  EXPECT_EQ(access.origin.secret_header, "X-Origin-Key");
  EXPECT_THAT(access.origin.secrets,
              ElementsAre("first-secret-0123456789", "second-secret-0123456789"));
  EXPECT_THAT(access.origin.allow, ElementsAre("203.0.113.0/24", "2001:db8::/32"));
  EXPECT_THAT(access.origin.deny, ElementsAre("203.0.113.7"));
  EXPECT_THAT(access.origin.health_paths, ElementsAre("/healthz"));
  EXPECT_THAT(access.origin.health_allow, ElementsAre("10.0.0.0/8"));
  EXPECT_EQ(access.limits.requests_per_second, 20u);
  EXPECT_EQ(access.limits.request_burst, 40u);
  EXPECT_EQ(access.limits.downloads_per_client, 4u);
  EXPECT_EQ(access.limits.connections_per_client, 64u);
  EXPECT_EQ(access.limits.upstream_fetches, 8u);
}

TEST_F(AccessSettings, NestedKeysFromTheEnvironmentWithCommaSeparatedLists) {
  const auto htpasswd = dir_.write("htpasswd", "alice:$2y$05$abc\n");
  const Config config =
      load("", {{"REGCACHE_ORIGIN_SECRETS", "aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb"},
                {"REGCACHE_ORIGIN_DENY", "192.0.2.0/24"},
                {"REGCACHE_TRUSTED_PROXIES", "127.0.0.1,::1"},
                {"REGCACHE_LIMITS_REQUESTS_PER_SECOND", "5"},
                {"REGCACHE_CDN_TAG_MAX_AGE", "30s"},
                {"REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.string()},
                {"REGISTRY_AUTH_HTPASSWD_REALM", "env realm"}});
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_THAT(config.access.origin.secrets,
              ElementsAre("aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"));
  EXPECT_THAT(config.access.origin.deny, ElementsAre("192.0.2.0/24"));
  EXPECT_THAT(config.access.trusted_proxies, ElementsAre("127.0.0.1", "::1"));
  EXPECT_EQ(config.access.limits.requests_per_second, 5u);
  EXPECT_EQ(config.access.cdn.tag_max_age, 30s);
  EXPECT_EQ(config.access.auth.htpasswd, htpasswd);
  EXPECT_EQ(config.access.auth.realm, "env realm");
}

TEST_F(AccessSettings, InvalidValuesNameTheKey) {
  EXPECT_THAT(error_of("regcache:\n  trusted_proxies: [10.0.0.1/8]\n"),
              HasSubstr("regcache.trusted_proxies: invalid address range \"10.0.0.1/8\": address "
                        "bits are set beyond the prefix length"));
  EXPECT_THAT(error_of("regcache:\n  origin:\n    allow: [nginx]\n"),
              HasSubstr("regcache.origin.allow: invalid address range \"nginx\": not an IP "
                        "address"));
  EXPECT_THAT(error_of("regcache:\n  origin:\n    secret_header: \"X Bad\"\n"),
              HasSubstr("regcache.origin.secret_header: invalid header name"));
  EXPECT_THAT(error_of("regcache:\n  origin:\n    health_paths: [healthz]\n"),
              HasSubstr("regcache.origin.health_paths: \"healthz\" is not a path"));
  EXPECT_THAT(error_of("regcache:\n  origin:\n    health_paths: [/v2/]\n"),
              HasSubstr("is part of the registry API"));
  EXPECT_THAT(error_of("regcache:\n  limits:\n    requests_per_second: lots\n"),
              HasSubstr("regcache.limits.requests_per_second: expected a whole number"));
  EXPECT_THAT(error_of("regcache:\n  cdn:\n    tag_max_age: 2 minutes\n"),
              HasSubstr("regcache.cdn.tag_max_age: invalid duration"));
  EXPECT_THAT(
      error_of("regcache:\n  limits:\n    request_burst: 10\n"),
      HasSubstr("regcache.limits.request_burst: needs regcache.limits.requests_per_second"));
}

TEST_F(AccessSettings, SecretsAreNeverEchoed) {
  const auto message = error_of("regcache:\n  origin:\n    secrets: [\"has space secret\"]\n");
  EXPECT_THAT(message, HasSubstr("regcache.origin.secrets: each secret must be"));
  EXPECT_THAT(message, Not(HasSubstr("has space")));
  const auto warnings = load("regcache:\n  origin:\n    secrets: [short]\n").warnings;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("shorter than 16 characters"));
  EXPECT_THAT(warnings[0], Not(HasSubstr("short]")));
}

TEST_F(AccessSettings, TlsDetails) {
  EXPECT_THAT(error_of(tls_yaml() + "    minimumtls: tls1.1\n"),
              HasSubstr("http.tls.minimumtls: \"tls1.1\" is not offered: regcache serves TLS 1.2 "
                        "or newer"));
  EXPECT_THAT(error_of(tls_yaml() + "    minimumtls: ssl3\n"),
              HasSubstr("http.tls.minimumtls: unknown TLS version"));
  EXPECT_THAT(error_of("regcache:\n  tls:\n    redirect_addr: :80\n"),
              HasSubstr("regcache.tls.redirect_addr: a redirect to https needs TLS"));
  EXPECT_THAT(error_of(tls_yaml() + "regcache:\n  tls:\n    redirect_addr: :5443\n"),
              HasSubstr("regcache.tls.redirect_addr: must use another port than http.addr"));
  EXPECT_THAT(error_of(tls_yaml() + "regcache:\n  tls:\n    redirect_addr: nope\n"),
              HasSubstr("regcache.tls.redirect_addr: invalid listen address"));
}

TEST_F(AccessSettings, HtpasswdFileMustBeReadable) {
  const auto missing = dir_.path() / "missing-htpasswd";
  EXPECT_THAT(error_of("auth:\n  htpasswd:\n    realm: r\n    path: " + missing.string() + "\n"),
              HasSubstr("auth.htpasswd.path: cannot read"));
  EXPECT_THAT(error_of("auth:\n  htpasswd:\n    realm: r\n"),
              HasSubstr("auth.htpasswd.realm: auth.htpasswd.path must also be set"));
  EXPECT_THAT(load("regcache:\n  auth:\n    anonymous_pull: true\n").warnings,
              ElementsAre(HasSubstr("has no effect without auth.htpasswd")));
}

TEST_F(AccessSettings, BlobRedirectNeedsTheOriginSecretAndNoPrivateContent) {
  EXPECT_THAT(error_of("regcache:\n  cdn:\n    blob_redirect: https://cdn.example.com\n"),
              HasSubstr("regcache.cdn.blob_redirect: needs regcache.origin.secrets"));
  EXPECT_THAT(error_of("regcache:\n  cdn:\n    blob_redirect: ftp://cdn.example.com\n"),
              HasSubstr("regcache.cdn.blob_redirect: the CDN URL must start with https://"));
  EXPECT_THAT(error_of("regcache:\n  cdn:\n    blob_redirect: https://cdn.example.com/?a=b\n"),
              HasSubstr("must not contain credentials, a query or a fragment"));
  const auto htpasswd = dir_.write("htpasswd", "alice:$2y$05$abc\n");
  const std::string with_auth = "auth:\n  htpasswd:\n    path: " + htpasswd.string() +
                                "\nregcache:\n  cdn:\n    blob_redirect: https://cdn.example.com\n"
                                "  origin:\n    secrets: [0123456789abcdef0123]\n";
  EXPECT_THAT(error_of(with_auth), HasSubstr("cannot be combined with auth.htpasswd unless "
                                             "regcache.auth.anonymous_pull is true"));
  EXPECT_EQ(load(with_auth + "  auth:\n    anonymous_pull: true\n").access.cdn.blob_redirect,
            "https://cdn.example.com");
}

}  // namespace
}  // namespace regcache::config
