#include "config/upstream_list.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/registry_name.hpp"
#include "config/config_fixture.hpp"

namespace regcache::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TempDir;

class Upstreams : public testing::ConfigFixture {
 protected:
  std::string file() const { return (dir_.path() / "config.yml").string(); }

  static std::vector<std::string> names(const Config& config) {
    std::vector<std::string> out;
    for (const auto& upstream : config.upstreams) out.push_back(upstream.name);
    return out;
  }

};

TEST_F(Upstreams, WithoutAListTheProxySectionIsTheOnlyUpstreamAndTheDefault) {
  Config config = load("");
  EXPECT_THAT(names(config), ElementsAre("docker.io"));
  EXPECT_EQ(config.default_upstream, "docker.io");
  EXPECT_THAT(config.upstreams[0].aliases, ElementsAre("index.docker.io", "registry-1.docker.io"));

  config = load("proxy:\n  remoteurl: http://registry.local:5001\n");
  EXPECT_THAT(names(config), ElementsAre("registry.local:5001"));
  EXPECT_EQ(config.default_upstream, "registry.local:5001");
  EXPECT_THAT(config.upstreams[0].aliases, IsEmpty());
}

TEST_F(Upstreams, BareNamesGetBuiltInDefaults) {
  const Config config = load(
      "regcache:\n  upstreams: [docker.io, registry.k8s.io, ghcr.io, quay.io, gcr.io, "
      "mcr.microsoft.com, registry.example.com:5000]\n");
  EXPECT_THAT(names(config),
              ElementsAre("docker.io", "registry.k8s.io", "ghcr.io", "quay.io", "gcr.io",
                          "mcr.microsoft.com", "registry.example.com:5000"));
  EXPECT_EQ(config.upstreams[0].remote_url, "https://registry-1.docker.io");
  EXPECT_TRUE(config.upstreams[0].docker_hub_library_rule);
  EXPECT_EQ(config.upstreams[1].remote_url, "https://registry.k8s.io");
  EXPECT_FALSE(config.upstreams[1].docker_hub_library_rule);
  EXPECT_EQ(config.upstreams[2].remote_url, "https://ghcr.io");
  EXPECT_EQ(config.upstreams[5].remote_url, "https://mcr.microsoft.com");
  EXPECT_EQ(config.upstreams[6].remote_url, "https://registry.example.com:5000");
  EXPECT_EQ(config.default_upstream, "docker.io") << "docker.io serves requests naming no registry";
}

TEST_F(Upstreams, EachUpstreamHasItsOwnSettings) {
  const Config config = load(R"(regcache:
  tag_revalidate: 5m
  upstreams:
    - name: Private.Example.COM
      remoteurl: https://10.0.0.5:8443/
      username: robot
      password: "s3cr3t: #x"
      ttl: 24h
      tag_revalidate: 0
      http_proxy: proxy.corp:3128
      https_proxy: ""
      no_proxy: .corp
      aliases: [private, priv.corp]
      hosts: private.mirror.example.com
    - ghcr.io
)",
                             {{"HTTPS_PROXY", "http://egress:3128"}});
  const UpstreamConfig& own = config.upstreams.at(0);
  EXPECT_EQ(own.name, "private.example.com");
  EXPECT_EQ(own.remote_url, "https://10.0.0.5:8443");
  EXPECT_FALSE(own.docker_hub_library_rule);
  EXPECT_EQ(own.username, "robot");
  EXPECT_EQ(own.password, "s3cr3t: #x");
  EXPECT_EQ(own.ttl, 24h);
  EXPECT_EQ(own.tag_revalidate, 0s);
  EXPECT_EQ(own.egress.http_proxy, "http://proxy.corp:3128");
  EXPECT_EQ(own.egress.https_proxy, "") << "an explicit empty proxy means direct";
  EXPECT_EQ(own.egress.no_proxy, ".corp");
  EXPECT_THAT(own.aliases, ElementsAre("private", "priv.corp"));
  EXPECT_THAT(own.hosts, ElementsAre("private.mirror.example.com"));

  const UpstreamConfig& ghcr = config.upstreams.at(1);
  EXPECT_EQ(ghcr.ttl, 168h);
  EXPECT_EQ(ghcr.tag_revalidate, 5min) << "regcache.tag_revalidate is every upstream's default";
  EXPECT_EQ(ghcr.egress.https_proxy, "http://egress:3128") << "the environment's proxy applies";
  EXPECT_THAT(ghcr.username, IsEmpty());
  EXPECT_EQ(config.default_upstream, "") << "no docker.io, no proxy: section: no default";
}

TEST_F(Upstreams, DockerHubUnderAnotherUrlKeepsTheLibraryRule) {
  Config config =
      load("regcache:\n  upstreams:\n    - {name: docker.io, remoteurl: http://127.0.0.1:5001}\n");
  EXPECT_TRUE(config.upstreams[0].docker_hub_library_rule);
  EXPECT_EQ(config.upstreams[0].remote_url, "http://127.0.0.1:5001");

  config = load(
      "regcache:\n  upstreams:\n    - {name: hub.corp, remoteurl: https://registry-1.docker.io}\n");
  EXPECT_TRUE(config.upstreams[0].docker_hub_library_rule) << "the remote is Docker Hub";
}

TEST_F(Upstreams, ProxySectionWithAListComesFirstAndStaysTheDefault) {
  const Config config = load(R"(proxy:
  remoteurl: https://registry-1.docker.io
  username: hubuser
  password: hubpass
regcache:
  upstreams: [ghcr.io, quay.io]
)");
  EXPECT_THAT(names(config), ElementsAre("docker.io", "ghcr.io", "quay.io"));
  EXPECT_EQ(config.upstreams[0].username, "hubuser");
  EXPECT_EQ(config.default_upstream, "docker.io");
}

TEST_F(Upstreams, DefaultUpstreamIsChosenByNameOrAliasOrNone) {
  EXPECT_EQ(load("regcache:\n  default_upstream: GHCR.io\n  upstreams: [docker.io, ghcr.io]\n")
                .default_upstream,
            "ghcr.io");
  EXPECT_EQ(load("regcache:\n  default_upstream: k8s\n  upstreams: [docker.io, "
                 "{name: registry.k8s.io, aliases: [k8s]}]\n")
                .default_upstream,
            "registry.k8s.io");
  EXPECT_EQ(
      load("regcache:\n  default_upstream: none\n  upstreams: [docker.io]\n").default_upstream, "");
  EXPECT_EQ(load("regcache:\n  upstreams: [docker.io]\n", {{"REGCACHE_DEFAULT_UPSTREAM", ""}})
                .default_upstream,
            "");
  EXPECT_EQ(error_of("regcache:\n  default_upstream: quay.io\n  upstreams: [docker.io, ghcr.io]\n"),
            file() +
                ": regcache.default_upstream: \"quay.io\" is not a configured upstream "
                "(configured: docker.io, ghcr.io; or none)");
}

TEST_F(Upstreams, TheListCanComeFromTheEnvironmentAsYaml) {
  const Config config =
      load("", {{"REGCACHE_UPSTREAMS", "[ghcr.io, {name: quay.io, username: bot, password: pw}]"}});
  EXPECT_THAT(names(config), ElementsAre("ghcr.io", "quay.io"));
  EXPECT_EQ(config.upstreams[1].username, "bot");
  EXPECT_EQ(
      error_of("", {{"REGCACHE_UPSTREAMS", "[{name: quay.io, ttl: -1s}]"}}),
      "environment REGCACHE_UPSTREAMS[0].ttl: invalid duration \"-1s\": must not be negative");
  EXPECT_THAT(error_of("", {{"REGCACHE_UPSTREAMS", "[ghcr.io"}}),
              HasSubstr("environment REGCACHE_UPSTREAMS: invalid YAML"));
}

TEST_F(Upstreams, MistakesGetPreciseMessages) {
  const std::string f = file();
  EXPECT_EQ(error_of("regcache:\n  upstreams: {name: ghcr.io}\n"),
            f + ": regcache.upstreams: expected a list of upstreams, e.g. [ghcr.io, {name: "
                "quay.io, username: u, password: p}]");
  EXPECT_EQ(error_of("regcache:\n  upstreams: [{remoteurl: https://x.io}]\n"),
            f + ": regcache.upstreams[0]: name is missing");
  EXPECT_EQ(error_of("regcache:\n  upstreams: [ghcr.io, {name: ghcr.io}]\n"),
            f + ": regcache.upstreams[1]: \"ghcr.io\" already selects upstream ghcr.io; each name "
                "and alias must select one upstream");
  EXPECT_EQ(
      error_of("regcache:\n  upstreams: [ghcr.io, {name: quay.io, aliases: [ghcr.io]}]\n"),
      f + ": regcache.upstreams[1].aliases: \"ghcr.io\" already selects upstream ghcr.io; each "
          "name and alias must select one upstream");
  EXPECT_EQ(error_of("regcache:\n  upstreams: [{name: index.docker.io}]\n"),
            f + ": regcache.upstreams[0].name: \"index.docker.io\" is another name of docker.io; "
                "write name: docker.io");
  EXPECT_THAT(error_of("regcache:\n  upstreams: [{name: ghcr.io, pasword: x}]\n"),
              HasSubstr(f + ": regcache.upstreams[0].pasword: unknown key (an upstream takes"));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [{name: ghcr.io, remoteURL: http://x}]\n"),
              HasSubstr("regcache.upstreams[0].remoteURL: unknown key (did you mean "
                        "\"remoteurl\"? keys are lower case)"));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [{name: \"https://ghcr.io\"}]\n"),
              HasSubstr("regcache.upstreams[0].name: invalid name \"https://ghcr.io\": must be a "
                        "host name, not a URL (give the URL as remoteurl)"));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [ghcr.io/owner]\n"),
              HasSubstr("regcache.upstreams[0]: invalid name \"ghcr.io/owner\": must be a "
                        "registry host name"));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [{name: x.io, remoteurl: "
                       "\"https://u:secret@x.io\"}]\n"),
              HasSubstr("regcache.upstreams[0].remoteurl: invalid URL \"https://***@x.io\""));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [{name: x.io, https_proxy: \"ftp://p\"}]\n"),
              HasSubstr("regcache.upstreams[0].https_proxy: invalid proxy URL \"ftp://p\": "
                        "unsupported scheme"));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [{name: x.io, ca_file: /nonexistent/ca.pem}]\n"),
              HasSubstr("regcache.upstreams[0].ca_file: cannot read \"/nonexistent/ca.pem\""));
  EXPECT_EQ(error_of("regcache:\n  upstreams: [{name: a.io, hosts: [m.test]}, {name: b.io, "
                     "hosts: M.test}]\n"),
            f + ": regcache.upstreams[1].hosts: \"m.test\" is already the host name of another "
                "upstream");
  EXPECT_EQ(error_of("regcache:\n  upstreams: []\n"),
            f + ": regcache.upstreams: the list is empty and proxy.remoteurl is not set: there "
                "is no upstream to mirror");
  EXPECT_EQ(error_of("proxy:\n  remoteurl: https://registry-1.docker.io\nregcache:\n  upstreams: "
                     "[docker.io]\n"),
            f + ": regcache.upstreams[0]: docker.io is already the upstream of the proxy: "
                "section; configure it in one place (remove proxy.remoteurl, or this entry)");
}

TEST_F(Upstreams, ProxyCredentialsWithoutRemoteUrlAreNotSilentlyDropped) {
  EXPECT_THAT(error_of("proxy:\n  username: u\n  password: p\nregcache:\n  upstreams: [ghcr.io]\n"),
              HasSubstr(file() + ": proxy.username: proxy.remoteurl is not set, so the proxy: "
                                 "section names no upstream"));
  EXPECT_THAT(error_of("regcache:\n  upstreams: [ghcr.io]\n", {{"REGISTRY_PROXY_PASSWORD", "p"}}),
              HasSubstr("environment REGISTRY_PROXY_PASSWORD: proxy.remoteurl is not set"));
}

TEST_F(Upstreams, CredentialWarningsNameTheEntry) {
  const Config config = load(
      "regcache:\n  upstreams:\n    - {name: a.io, remoteurl: http://a.io, username: u, "
      "password: p}\n    - {name: b.io, username: u}\n");
  EXPECT_THAT(config.warnings,
              ElementsAre(file() + ": regcache.upstreams[0].username: credentials will be sent to "
                                   "the upstream without TLS (http://)",
                          file() + ": regcache.upstreams[1].username: password is empty; the "
                                   "upstream will likely refuse these credentials"));
}

TEST_F(Upstreams, FindUpstreamByNameOrAlias) {
  const Config config =
      load("regcache:\n  upstreams: [docker.io, {name: ghcr.io, aliases: [gh]}]\n");
  ASSERT_NE(find_upstream(config, "gh"), nullptr);
  EXPECT_EQ(find_upstream(config, "gh")->name, "ghcr.io");
  EXPECT_EQ(find_upstream(config, "index.docker.io")->name, "docker.io");
  EXPECT_EQ(find_upstream(config, "quay.io"), nullptr);
}

TEST(RegistryName, AcceptsHostAndPortInLowerCase) {
  EXPECT_EQ(*parse_registry_name("GHCR.io"), "ghcr.io");
  EXPECT_EQ(*parse_registry_name("registry.local:5000"), "registry.local:5000");
  EXPECT_EQ(*parse_registry_name("k8s"), "k8s");
  EXPECT_EQ(*parse_registry_name("127.0.0.1:5001"), "127.0.0.1:5001");
  for (const char* bad : {"", "-a.io", "a-.io", "a..io", "a_b.io", "a.io:0", "a.io:99999",
                          "a.io:", "https://a.io", "a.io/x", "[::1]:5000"}) {
    EXPECT_FALSE(parse_registry_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace regcache::config
