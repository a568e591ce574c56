#include "api/upstream_router.hpp"

#include <gtest/gtest.h>

#include "cache/fake_upstream.hpp"

namespace regcache::api {
namespace {

using registry::ErrorCode;

std::unique_ptr<upstream::UpstreamRegistry> upstream_named(std::string name,
                                                           bool library_rule = false,
                                                           std::vector<std::string> aliases = {},
                                                           std::vector<std::string> hosts = {}) {
  auto fake = std::make_unique<test_support::FakeUpstream>();
  auto& config = fake->mutable_config();
  config.name = std::move(name);
  config.docker_hub_library_rule = library_rule;
  config.aliases = std::move(aliases);
  config.hosts = std::move(hosts);
  return fake;
}

class Router : public ::testing::Test {
 protected:
  static UpstreamRouter make(std::string default_upstream = "docker.io") {
    std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams;
    upstreams.push_back(upstream_named("docker.io", true, {"index.docker.io"}));
    upstreams.push_back(upstream_named("registry.k8s.io", false, {"k8s"}));
    upstreams.push_back(upstream_named("ghcr.io", false, {}, {"ghcr.mirror.test"}));
    upstreams.push_back(upstream_named("registry.local:5000"));
    return UpstreamRouter(std::move(upstreams), std::move(default_upstream));
  }

  // "<upstream> <repository>" or "<ERROR_CODE>: <message>".
  static std::string route(const UpstreamRouter& router, std::string_view repository,
                           std::string_view ns = {}, std::string_view host = {}) {
    auto routed = router.route(repository, RouteHints{ns, host});
    if (!routed) {
      return std::string(registry::error_info(routed.error().code).code) + ": " +
             routed.error().message;
    }
    return routed->client->upstream().name + " " + routed->repository;
  }
};

TEST_F(Router, NoHintGoesToTheDefaultUpstreamWithDockerHubsLibraryRule) {
  const auto router = make();
  EXPECT_EQ(route(router, "alpine"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "bitnami/redis"), "docker.io bitnami/redis");
}

TEST_F(Router, ContainerdNsSelectsTheUpstream) {
  const auto router = make();
  EXPECT_EQ(route(router, "library/alpine", "docker.io"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "alpine", "docker.io"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "pause", "registry.k8s.io"), "registry.k8s.io pause");
  EXPECT_EQ(route(router, "owner/app", "GHCR.IO"), "ghcr.io owner/app");
  EXPECT_EQ(route(router, "app", "registry.local:5000"), "registry.local:5000 app");
  EXPECT_EQ(route(router, "library/alpine", "index.docker.io"), "docker.io library/alpine");
  // A path under override_path that is not a registry stays part of the name.
  EXPECT_EQ(route(router, "mirrored/owner/app", "ghcr.io"), "ghcr.io mirrored/owner/app");
  EXPECT_EQ(route(router, "foo.bar/app", "ghcr.io"), "ghcr.io foo.bar/app");
  // With ns, a short alias is a namespace like any other, of this upstream or another.
  EXPECT_EQ(route(router, "k8s/tools", "registry.k8s.io"), "registry.k8s.io k8s/tools");
  EXPECT_EQ(route(router, "k8s/app", "ghcr.io"), "ghcr.io k8s/app");
}

TEST_F(Router, UnconfiguredRegistryIsRefusedNeverFetchedElsewhere) {
  const auto router = make();
  EXPECT_EQ(route(router, "org/app", "quay.io"),
            "NAME_UNKNOWN: registry quay.io is not mirrored here");
  EXPECT_EQ(route(router, "quay.io/org/app"),
            "NAME_UNKNOWN: registry quay.io is not mirrored here");
  EXPECT_EQ(route(router, "localhost:5000/app"),
            "NAME_UNKNOWN: registry localhost:5000 is not mirrored here");
  const std::string long_ns(300, 'x');
  EXPECT_LT(route(router, "a", long_ns).size(), 200u) << "client text in messages is bounded";
}

TEST_F(Router, PathPrefixSelectsTheUpstreamAndIsStripped) {
  const auto router = make();
  EXPECT_EQ(route(router, "ghcr.io/owner/app"), "ghcr.io owner/app");
  EXPECT_EQ(route(router, "docker.io/alpine"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "docker.io/library/alpine"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "index.docker.io/library/alpine"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "k8s/pause"), "registry.k8s.io pause") << "an alias is a prefix";
  EXPECT_EQ(route(router, "registry.k8s.io/coredns/coredns"), "registry.k8s.io coredns/coredns");
  EXPECT_EQ(route(router, "registry.local:5000/team/app"), "registry.local:5000 team/app");
}

TEST_F(Router, OverridePathPrefixMustAgreeWithNs) {
  const auto router = make();
  EXPECT_EQ(route(router, "ghcr.io/owner/app", "ghcr.io"), "ghcr.io owner/app");
  EXPECT_EQ(route(router, "docker.io/library/alpine", "docker.io"), "docker.io library/alpine");
  EXPECT_EQ(route(router, "ghcr.io/owner/app", "registry.k8s.io"),
            "NAME_INVALID: the path names registry ghcr.io but the ns parameter names "
            "registry.k8s.io");
}

TEST_F(Router, HostHeaderSelectsItsUpstreamWhenNothingElseDoes) {
  const auto router = make();
  EXPECT_EQ(route(router, "owner/app", {}, "ghcr.mirror.test"), "ghcr.io owner/app");
  EXPECT_EQ(route(router, "owner/app", {}, "GHCR.mirror.test:5000"), "ghcr.io owner/app");
  EXPECT_EQ(route(router, "alpine", {}, "mirror.test:5000"), "docker.io library/alpine")
      << "an unmapped Host falls through to the default";
  EXPECT_EQ(route(router, "docker.io/alpine", {}, "ghcr.mirror.test"), "docker.io library/alpine")
      << "an explicit path prefix wins over the Host mapping";
  EXPECT_EQ(route(router, "pause", "registry.k8s.io", "ghcr.mirror.test"), "registry.k8s.io pause");
}

TEST_F(Router, WithoutDefaultARequestMustNameItsRegistry) {
  const auto router = make("");
  EXPECT_EQ(route(router, "library/alpine"),
            "NAME_UNKNOWN: this mirror has no default registry: name one in the path, e.g. "
            "/v2/<registry>/<repository>/manifests/<tag>");
  EXPECT_EQ(route(router, "ghcr.io/owner/app"), "ghcr.io owner/app");
}

TEST_F(Router, ASingleNonHubUpstreamIsTheDefault) {
  std::vector<std::unique_ptr<upstream::UpstreamRegistry>> upstreams;
  upstreams.push_back(upstream_named("127.0.0.1:5001"));
  const UpstreamRouter router(std::move(upstreams), "127.0.0.1:5001");
  EXPECT_EQ(route(router, "library/alpine"), "127.0.0.1:5001 library/alpine");
  EXPECT_EQ(route(router, "alpine"), "127.0.0.1:5001 alpine");
  EXPECT_EQ(route(router, "alpine", "docker.io"),
            "NAME_UNKNOWN: registry docker.io is not mirrored here");
}

}  // namespace
}  // namespace regcache::api
