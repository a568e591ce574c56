#pragma once
// S3SharedCatalog: the SharedCatalog as small objects next to the content on
// the bucket (storage/bucket_layout.hpp), so it survives without Redis and
// needs no other service.
//
// Last writer wins: every writer states what upstream said at that moment.

#include <memory>
#include <string>

#include "cache/shared_catalog.hpp"
#include "storage/bucket_layout.hpp"
#include "storage/s3_client.hpp"

namespace regcache::coord {

class S3SharedCatalog final : public cache::SharedCatalog {
 public:
  // `prefix` is the store's "<root>/regcache/v1/".
  S3SharedCatalog(storage::S3Client& client, std::string prefix);

  std::optional<cache::SharedTag> tag(const std::string& upstream, const std::string& repository,
                                      const std::string& tag) override;
  void put_tag(const std::string& upstream, const std::string& repository, const std::string& tag,
               const cache::SharedTag& value) override;
  std::optional<std::string> manifest_type(const registry::Digest& digest) override;
  void put_manifest_type(const registry::Digest& digest, const std::string& media_type) override;
  void put_pin(const std::string& upstream, const std::string& repository,
               const registry::Digest& digest) override;
  void remove_tag(const std::string& upstream, const std::string& repository,
                  const std::string& tag) override;
  void remove_pin(const registry::Digest& digest) override;

 private:
  storage::S3Client& client_;
  const storage::BucketLayout layout_;
};

}  // namespace regcache::coord
