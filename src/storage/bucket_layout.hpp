#pragma once
// BucketLayout: where in a bucket shared by several nodes each kind of object
// lives, and the format of a shared tag record. coord::S3SharedCatalog writes
// the records and lifecycle::BucketCollector reads them back to collect
// garbage: both go through here, so they cannot drift apart.
//
//   <prefix>blobs/sha256/<hex>            blobs and manifest bodies
//   <prefix>meta/manifests/sha256/<hex>   a manifest's media type
//   <prefix>meta/tags/<upstream>/<repository>/_tag/<tag>   tag record (JSON)
//   <prefix>meta/pins/sha256/<hex>        a pinned manifest (JSON: who, when)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "registry/digest.hpp"

namespace regcache::storage {

// Which manifest a tag points to, and when upstream last confirmed it.
struct TagRecord {
  registry::Digest digest;
  int64_t validated_at = 0;  // unix seconds
};

std::string format_tag_record(const TagRecord& record);
// nullopt: not a tag record regcache wrote.
std::optional<TagRecord> parse_tag_record(std::string_view body);

class BucketLayout {
 public:
  // `prefix`: S3ContentStore::prefix() ("<rootdirectory>/regcache/v1/").
  explicit BucketLayout(std::string prefix);

  // The areas, as listing prefixes.
  std::string blobs() const { return prefix_ + "blobs/sha256/"; }
  std::string manifest_types() const { return prefix_ + "meta/manifests/sha256/"; }
  std::string tags() const { return prefix_ + "meta/tags/"; }
  std::string pins() const { return prefix_ + "meta/pins/sha256/"; }

  std::string manifest_type_key(const registry::Digest& digest) const {
    return manifest_types() + digest.hex();
  }
  std::string pin_key(const registry::Digest& digest) const { return pins() + digest.hex(); }
  std::string tag_key(const std::string& upstream, const std::string& repository,
                      const std::string& tag) const;

  // The digest a key of a digest-named area (blobs, manifest types, pins) names.
  static std::optional<registry::Digest> digest_in(const std::string& key, const std::string& area);

 private:
  std::string prefix_;
};

}  // namespace regcache::storage
