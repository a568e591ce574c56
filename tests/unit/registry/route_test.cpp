#include "registry/route.hpp"

#include <gtest/gtest.h>

using namespace regcache::registry;

namespace {
const std::string kDigest = "sha256:" + std::string(64, 'a');
}

TEST(Route, Base) {
  EXPECT_EQ(parse_route("/v2/").route.kind, RouteKind::base);
  EXPECT_EQ(parse_route("/v2").route.kind, RouteKind::base);
  EXPECT_EQ(parse_route("/v2/?ns=docker.io").route.kind, RouteKind::base);
}

TEST(Route, ManifestByTagAndDigest) {
  auto r = parse_route("/v2/library/alpine/manifests/3.20?ns=docker.io");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.kind, RouteKind::manifest);
  EXPECT_EQ(r.route.repository, "library/alpine");
  EXPECT_EQ(r.route.reference, "3.20");
  EXPECT_FALSE(r.route.reference_is_digest);
  EXPECT_EQ(query_param(r.route.query, "ns"), "docker.io");

  r = parse_route("/v2/alpine/manifests/" + kDigest);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.route.reference_is_digest);
}

TEST(Route, RepositoryMayContainRouteWords) {
  auto r = parse_route("/v2/manifests/blobs/manifests/latest");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.repository, "manifests/blobs");
  EXPECT_EQ(r.route.kind, RouteKind::manifest);
}

TEST(Route, Blob) {
  auto r = parse_route("/v2/a/b/blobs/" + kDigest);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.kind, RouteKind::blob);
  EXPECT_EQ(r.route.repository, "a/b");
  EXPECT_EQ(r.route.reference, kDigest);
}

TEST(Route, UploadsAndTagsAndCatalog) {
  EXPECT_EQ(parse_route("/v2/a/blobs/uploads/").route.kind, RouteKind::blob_upload);
  EXPECT_EQ(parse_route("/v2/a/blobs/uploads/1234").route.kind, RouteKind::blob_upload);
  EXPECT_EQ(parse_route("/v2/a/tags/list?n=10&last=x").route.kind, RouteKind::tags_list);
  EXPECT_EQ(parse_route("/v2/_catalog").route.kind, RouteKind::catalog);
  EXPECT_EQ(parse_route("/v1/x").route.kind, RouteKind::not_found);
  EXPECT_EQ(parse_route("/").route.kind, RouteKind::not_found);
}

TEST(Route, InvalidInputGetsSpecErrors) {
  auto r = parse_route("/v2/UPPER/manifests/latest");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, ErrorCode::name_invalid);

  r = parse_route("/v2/a/../../etc/manifests/latest");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, ErrorCode::name_invalid);

  r = parse_route("/v2/a%2Fb/manifests/latest");
  EXPECT_EQ(r.error, ErrorCode::name_invalid);

  r = parse_route("/v2/a/blobs/sha256:abc");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, ErrorCode::digest_invalid);

  r = parse_route("/v2/a/blobs/../../../../etc/passwd");
  EXPECT_FALSE(r.ok);

  r = parse_route("/v2/a/manifests/sha512:" + std::string(128, 'a'));
  EXPECT_EQ(r.error, ErrorCode::digest_invalid);

  r = parse_route("/v2/a/manifests/bad@tag");
  EXPECT_EQ(r.error, ErrorCode::tag_invalid);
}

TEST(QueryParam, FindsExactKey) {
  EXPECT_EQ(query_param("n=10&last=abc", "last"), "abc");
  EXPECT_EQ(query_param("ns=docker.io", "n"), "");
  EXPECT_EQ(query_param("", "ns"), "");
  EXPECT_EQ(query_param("flag&ns=x", "ns"), "x");
}

TEST(Route, RegistryHostWithPortMayPrefixTheName) {
  auto r = parse_route("/v2/registry.local:5000/team/app/manifests/1");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.repository, "registry.local:5000/team/app");
  r = parse_route("/v2/ghcr.io/owner/app/blobs/" + kDigest);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.repository, "ghcr.io/owner/app");

  EXPECT_EQ(parse_route("/v2/registry.local:5000/manifests/1").error, ErrorCode::name_invalid)
      << "a host alone is not a name";
  EXPECT_EQ(parse_route("/v2/registry.local:0/app/manifests/1").error, ErrorCode::name_invalid);
  EXPECT_EQ(parse_route("/v2/reg_istry:5000/app/manifests/1").error, ErrorCode::name_invalid);
  EXPECT_EQ(parse_route("/v2/app/x:5000/manifests/1").error, ErrorCode::name_invalid)
      << "only the first component may carry a port";
}

TEST(PercentDecode, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(percent_decode("registry.local%3A5000"), "registry.local:5000");
  EXPECT_EQ(percent_decode("docker.io"), "docker.io");
  EXPECT_EQ(percent_decode("a%2"), "a%2");
  EXPECT_EQ(percent_decode("a%zz"), "a%zz");
  EXPECT_EQ(percent_decode("a+b"), "a b");
}
