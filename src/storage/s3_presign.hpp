#pragma once
// Presigned GET URLs (AWS Signature Version 4, query-string form): anyone
// holding the URL may read that one object until it expires, without
// credentials. Used to redirect blob downloads to the bucket
// (storage.redirect.disable: false) so the bytes do not flow through the node.

#include <chrono>
#include <string>

#include "storage/s3_settings.hpp"

namespace regcache::storage {

// `object_url`: the object's URL without a query (S3Client::url_for). `now`
// is when the signature starts; it is valid for `expires` (1 s .. 7 days).
std::string presign_get(const S3Settings& settings, const std::string& object_url,
                        std::chrono::seconds expires, std::chrono::system_clock::time_point now);

}  // namespace regcache::storage
