#pragma once
// ContentBackend: the content store the configuration asks for. The local
// directory (storage.filesystem.rootdirectory) always holds the index, the
// cache lock and the staging files; the content itself is there too, or on
// S3 when storage.s3 is configured.

#include <filesystem>
#include <memory>

#include "config/config.hpp"
#include "storage/content_store.hpp"
#include "storage/filesystem_content_store.hpp"
#include "storage/hot_content_store.hpp"
#include "storage/local_cached_store.hpp"
#include "storage/s3_content_store.hpp"

namespace regcache::lifecycle {

class ContentBackend {
 public:
  // Throws (start-up path) when the directory or the bucket cannot be used.
  explicit ContentBackend(const config::StorageConfig& storage);

  // The store to use: the configured one behind a memory copy of hot small objects.
  storage::ContentStore& store() { return *hot_; }
  // The bucket when content is on S3 (shared with other nodes), else nullptr.
  storage::S3ContentStore* s3() { return remote_.get(); }
  const std::filesystem::path& data_dir() const { return local_.data_dir(); }
  // "/var/lib/registry" or "s3://bucket/root at https://endpoint", for logs.
  std::string describe() const { return description_; }

 private:
  storage::FilesystemContentStore local_;
  std::unique_ptr<storage::S3ContentStore> remote_;
  std::unique_ptr<storage::LocalCachedStore> cached_;  // local copies in front of remote_
  std::string description_;
  std::unique_ptr<storage::HotContentStore> hot_;
};

}  // namespace regcache::lifecycle
