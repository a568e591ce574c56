#pragma once
// The S3 store the tests may use: S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY,
// S3_SECRET_KEY (and S3_REGION) as written by tests/s3/start-ceph.sh, which
// scripts/test.sh runs before ctest.

#include <cstdlib>
#include <optional>
#include <string>

#include "storage/s3_settings.hpp"

namespace regcache::test_support {

inline std::string s3_unavailable_reason() {
  for (const char* name : {"S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
      return std::string("no S3 store configured: ") + name +
             " is not set (scripts/test.sh starts Ceph RGW and sets it; by hand: "
             "CEPH_BASE=/tmp/ceph tests/s3/start-ceph.sh && set -a && . /tmp/ceph/s3.env)";
    }
  }
  return {};
}

inline std::optional<storage::S3Settings> s3_settings_from_environment() {
  if (!s3_unavailable_reason().empty()) return std::nullopt;
  storage::S3Settings s;
  s.endpoint = std::getenv("S3_ENDPOINT");
  s.bucket = std::getenv("S3_BUCKET");
  s.access_key = std::getenv("S3_ACCESS_KEY");
  s.secret_key = std::getenv("S3_SECRET_KEY");
  if (const char* region = std::getenv("S3_REGION"); region && *region) s.region = region;
  return s;
}

}  // namespace regcache::test_support
