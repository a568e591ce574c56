#include "registry/reference.hpp"

#include <gtest/gtest.h>

#include <string>

using regcache::registry::is_valid_repository_name;
using regcache::registry::is_valid_tag;

TEST(RepositoryName, AcceptsSpecGrammar) {
  for (const char* name : {"alpine", "library/alpine", "a/b/c", "my-app", "my--app", "my_app",
                           "my__app", "a.b", "0", "quay.io-org/app1", "registry.k8s.io/pause"}) {
    EXPECT_TRUE(is_valid_repository_name(name)) << name;
  }
}

TEST(RepositoryName, RejectsEverythingElse) {
  for (const char* name : {"", "UPPER", "a//b", "/a", "a/", "..", "a/../b", "a/./b", "-a", "a-",
                           "a___b", "a..b", "a%2fb", "a b", "a:b", "a@b", ".a", "a_", "_a"}) {
    EXPECT_FALSE(is_valid_repository_name(name)) << name;
  }
  EXPECT_FALSE(is_valid_repository_name(std::string(256, 'a')));
  EXPECT_TRUE(is_valid_repository_name(std::string(255, 'a')));
}

TEST(Tag, Grammar) {
  for (const char* tag : {"latest", "3.20", "v1.0.0-rc1", "_x", "A", "1"}) {
    EXPECT_TRUE(is_valid_tag(tag)) << tag;
  }
  for (const char* tag : {"", ".x", "-x", "a/b", "a:b", "a@b", "a%20"}) {
    EXPECT_FALSE(is_valid_tag(tag)) << tag;
  }
  EXPECT_TRUE(is_valid_tag(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_tag(std::string(129, 'a')));
}
