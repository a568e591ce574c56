#include "access/htpasswd.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <cstring>

namespace regcache::access {
namespace {

// A bcrypt hash at the lowest cost, so the tests stay fast.
std::string bcrypt(const std::string& password, const char* prefix = "$2y$") {
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* salt = crypt_gensalt_rn(prefix, 4, nullptr, 0, data.setting, sizeof data.setting);
  return crypt_rn(password.c_str(), salt, &data, sizeof data);
}

TEST(Htpasswd, VerifiesBcryptPasswords) {
  const std::string text = "# mirror users\n\nalice:" + bcrypt("wonderland") + "\n" +
                           "bob:" + bcrypt("builder", "$2b$") + "\r\n";
  auto users = Htpasswd::parse(text, "htpasswd");
  ASSERT_TRUE(users) << users.error();
  EXPECT_EQ(users->size(), 2u);
  EXPECT_TRUE(users->verify("alice", "wonderland"));
  EXPECT_TRUE(users->verify("bob", "builder"));
  EXPECT_FALSE(users->verify("alice", "Wonderland"));
  EXPECT_FALSE(users->verify("alice", ""));
  EXPECT_FALSE(users->verify("carol", "wonderland"));
  EXPECT_FALSE(users->verify("bob", "builder\n"));
}

TEST(Htpasswd, RefusesOtherHashesNamingTheLine) {
  auto md5 = Htpasswd::parse("alice:$apr1$abc$def\n", "/etc/regcache/htpasswd");
  ASSERT_FALSE(md5);
  EXPECT_EQ(md5.error(),
            "/etc/regcache/htpasswd:1: user \"alice\": only bcrypt hashes are supported (create "
            "them with htpasswd -B)");
  auto sha = Htpasswd::parse("\nbob:{SHA}abcdef\n", "f");
  ASSERT_FALSE(sha);
  EXPECT_EQ(sha.error().substr(0, 4), "f:2:");
  EXPECT_FALSE(Htpasswd::parse("no-colon-here\n", "f"));
  EXPECT_FALSE(Htpasswd::parse(":" + bcrypt("x") + "\n", "f"));
  auto twice = Htpasswd::parse("a:" + bcrypt("x") + "\na:" + bcrypt("y") + "\n", "f");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().find("appears twice"), std::string::npos);
}

TEST(Htpasswd, AnEmptyFileHasNoUsers) {
  auto users = Htpasswd::parse("# nobody yet\n", "f");
  ASSERT_TRUE(users);
  EXPECT_EQ(users->size(), 0u);
  EXPECT_FALSE(users->verify("", ""));
}

}  // namespace
}  // namespace regcache::access
