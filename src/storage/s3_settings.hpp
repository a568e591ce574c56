#pragma once
// Where an S3 bucket is and how to sign for it (config storage.s3.*, or the
// AWS_* environment variables; see docs/configuration.md).

#include <chrono>
#include <cstdint>
#include <string>

namespace regcache::storage {

struct S3Settings {
  std::string endpoint;  // "http(s)://host[:port]" (storage.s3.regionendpoint)
  std::string region = "us-east-1";
  std::string bucket;
  std::string access_key;
  std::string secret_key;
  std::string root_directory;  // key prefix, without leading or trailing '/'
  bool path_style = true;      // false: https://<bucket>.<host>/<key>
  // Blobs larger than this go up as a multipart upload of parts this size,
  // streamed from the staging file (S3 allows 5 MiB..5 GiB per part).
  uint64_t part_size = 16 * 1024 * 1024;
  // Blob downloads are answered with a redirect to a presigned URL valid this
  // long (storage.redirect.disable: false); zero: served through the node.
  std::chrono::seconds redirect_expiry{0};
};

}  // namespace regcache::storage
