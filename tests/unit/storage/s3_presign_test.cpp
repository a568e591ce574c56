#include "storage/s3_presign.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace regcache::storage {
namespace {

// 2013-05-24T00:00:00Z, the time of AWS's published example.
const auto kExampleTime = std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));

S3Settings example_settings() {
  S3Settings s;
  s.region = "us-east-1";
  s.bucket = "examplebucket";
  s.access_key = "AKIAIOSFODNN7EXAMPLE";
  s.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return s;
}

TEST(S3Presign, MatchesTheSignatureOfAwsDocumentedExample) {
  // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
  auto url = presign_get(example_settings(), "https://examplebucket.s3.amazonaws.com/test.txt",
                         std::chrono::seconds(86400), kExampleTime);
  EXPECT_EQ(url,
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3Presign, KeepsPortAndPathStyleBucketAndEncodesEachSegment) {
  auto url = presign_get(example_settings(), "http://127.0.0.1:7480/examplebucket/a b/sha256/ff",
                         std::chrono::seconds(1200), kExampleTime);
  EXPECT_EQ(url.rfind("http://127.0.0.1:7480/examplebucket/a%20b/sha256/ff?X-Amz-Algorithm=", 0),
            0u)
      << url;
  EXPECT_NE(url.find("&X-Amz-Expires=1200&"), std::string::npos) << url;
}

TEST(S3Presign, SignatureDependsOnTheSecretAndTheTime) {
  const std::string object = "https://examplebucket.s3.amazonaws.com/test.txt";
  auto base = presign_get(example_settings(), object, std::chrono::seconds(60), kExampleTime);
  auto other_secret = example_settings();
  other_secret.secret_key += "x";
  EXPECT_NE(base, presign_get(other_secret, object, std::chrono::seconds(60), kExampleTime));
  EXPECT_NE(base, presign_get(example_settings(), object, std::chrono::seconds(60),
                              kExampleTime + std::chrono::seconds(1)));
}

}  // namespace
}  // namespace regcache::storage
