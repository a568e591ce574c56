#pragma once
// S3Client: the few S3 operations the S3 content store needs, signed with
// AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4) over pooled easy handles
// (net::CurlHandlePool, so connections are reused). Blocking; thread-safe.
//
// libcurl 7.88's signer neither adds x-amz-content-sha256 nor sorts or
// percent-encodes the query: every request sends that header itself and every
// query string here is built already sorted and encoded (see S3LAB.md).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "net/curl_handle_pool.hpp"
#include "net/curl_share.hpp"
#include "storage/object_store_health.hpp"
#include "storage/s3_settings.hpp"
#include "util/result.hpp"

namespace regcache::storage {

struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string last_modified;  // ISO 8601, as S3 lists it
  // last_modified as unix seconds; 0 when unreadable.
  int64_t modified_at() const;
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings);

  const S3Settings& settings() const { return settings_; }
  // Reachability as seen by the requests so far (fails fast while unreachable).
  ObjectStoreHealth& health() { return health_; }

  // Size of `key`, nullopt if absent; an error if the store cannot be asked.
  Result<std::optional<uint64_t>, std::error_code> head(const std::string& key);
  // Reads up to out.size() bytes at `offset` (ranged GET); 0 at or past the end.
  Result<size_t, std::error_code> read_range(const std::string& key, uint64_t offset,
                                             std::span<char> out);
  // Uploads [0, size) of `fd` as `key`. `sha256_hex` (when given) is sent as the
  // payload hash, so the store refuses a body that does not match. Parts of
  // settings().part_size are used above that size; nothing is ever visible
  // under `key` until the whole object has arrived.
  std::error_code put_file(const std::string& key, int fd, uint64_t size,
                           const std::string& sha256_hex);
  // Small objects (metadata shared by the nodes on one bucket): the whole body,
  // nullopt if absent; bodies above 4 MiB are an error.
  Result<std::optional<std::string>, std::error_code> get_object(const std::string& key);
  std::error_code put_object(const std::string& key, std::string body);
  std::error_code copy(const std::string& from, const std::string& to);
  // Absent keys are not an error.
  std::error_code remove(const std::string& key);
  // Every object under `prefix` (paged ListObjectsV2).
  std::error_code list(const std::string& prefix,
                       const std::function<void(const S3Object&)>& visit);
  // A URL anyone may GET `key` with until `expires` from now (storage/s3_presign).
  std::string presigned_get(const std::string& key, std::chrono::seconds expires) const;
  // Creates the bucket (tests and first start); an existing one is fine.
  std::error_code create_bucket();

 private:
  struct Request;
  struct Response {
    long status = 0;
    std::string body;
    std::string etag;
    uint64_t content_length = 0;
    std::error_code error;  // transport failure; status is 0 then
  };
  Response perform(const Request& request);
  std::string url_for(const std::string& key, const std::string& query) const;
  std::error_code put_single(const std::string& key, int fd, uint64_t size,
                             const std::string& sha256_hex);
  std::error_code put_multipart(const std::string& key, int fd, uint64_t size);

  const S3Settings settings_;
  net::CurlShare share_;  // outlives pool_
  net::CurlHandlePool pool_;
  ObjectStoreHealth health_;
};

// Percent-encodes everything but RFC 3986 unreserved characters (query values).
std::string s3_uri_encode(std::string_view text);

}  // namespace regcache::storage
