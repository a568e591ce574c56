// RedisTls: files the config check lets through (they exist) but OpenSSL cannot
// use stop start-up with a message naming the key.
#include "coord/redis_tls.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "config/temp_dir.hpp"

namespace regcache::coord {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string error_of(const RedisTlsOptions& options) {
  try {
    RedisTls tls(options);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected RedisTls to refuse the options";
  return {};
}

TEST(RedisTls, SystemCasOnlyAndSkippingVerification) {
  EXPECT_TRUE(RedisTls(RedisTlsOptions{}).verifies());
  EXPECT_NE(RedisTls(RedisTlsOptions{}).context(), nullptr);
  EXPECT_FALSE(RedisTls(RedisTlsOptions{.skip_verify = true}).verifies());
}

TEST(RedisTls, FilesThatAreNotPemNameTheirKey) {
  config::testing::TempDir dir;
  const auto junk = dir.write("junk.pem", "not a certificate\n").string();
  EXPECT_THAT(error_of({.ca_file = junk}), AllOf(HasSubstr("redis.tls.ca"), HasSubstr(junk)));
  EXPECT_THAT(error_of({.certificate = junk, .key = junk}),
              AllOf(HasSubstr("redis.tls.certificate"), HasSubstr(junk)));
}

}  // namespace
}  // namespace regcache::coord
