#include "registry/manifest_references.hpp"

#include <gtest/gtest.h>

#include <string>

using regcache::registry::child_manifests;
using regcache::registry::Digest;
using regcache::registry::manifest_references;

namespace {

std::string hex_of(char c) { return std::string(64, c); }
Digest digest(char c) { return *Digest::parse("sha256:" + hex_of(c)); }

TEST(ManifestReferences, AnImageManifestReferencesItsConfigAndLayersAndHasNoChildManifests) {
  const std::string body = R"({"schemaVersion":2,"config":{"digest":"sha256:)" + hex_of('c') +
                           R"("},"layers":[{"digest":"sha256:)" + hex_of('1') +
                           R"("},{"digest":"sha256:)" + hex_of('2') + R"("}]})";
  EXPECT_EQ(manifest_references(body), (std::vector<Digest>{digest('c'), digest('1'), digest('2')}));
  EXPECT_TRUE(child_manifests(body).empty());
}

TEST(ManifestReferences, AnIndexReferencesItsPlatformManifestsWhichAreManifests) {
  const std::string body = R"({"schemaVersion":2,"manifests":[{"digest":"sha256:)" + hex_of('a') +
                           R"(","platform":{"os":"linux"}},{"digest":"sha256:)" + hex_of('b') +
                           R"("},{"digest":"not-a-digest"},{"size":3}]})";
  EXPECT_EQ(manifest_references(body), (std::vector<Digest>{digest('a'), digest('b')}));
  EXPECT_EQ(child_manifests(body), (std::vector<Digest>{digest('a'), digest('b')}));
}

TEST(ManifestReferences, WhatIsNotAManifestReferencesNothing) {
  for (const char* body : {"", "not json", "[1,2]", R"({"manifests":"x"})", "\x1f\x8b\x08"}) {
    EXPECT_TRUE(manifest_references(body).empty()) << body;
    EXPECT_TRUE(child_manifests(body).empty()) << body;
  }
}

}  // namespace
