#include "lifecycle/content_backend.hpp"

#include "config/byte_size.hpp"
#include "storage/s3_content_store.hpp"

namespace regcache::lifecycle {

ContentBackend::ContentBackend(const config::StorageConfig& storage)
    : local_(storage.root), description_(storage.root.string()) {
  if (!storage.s3) {
    hot_ = std::make_unique<storage::HotContentStore>(local_);
    return;
  }
  const auto& s3 = *storage.s3;
  storage::S3Settings settings;
  settings.endpoint = s3.endpoint;
  settings.region = s3.region;
  settings.bucket = s3.bucket;
  settings.access_key = s3.access_key;
  settings.secret_key = s3.secret_key;
  settings.root_directory = s3.root_directory;
  settings.path_style = s3.path_style;
  settings.part_size = s3.part_size;
  // registry:2's lifetime of its presigned URLs.
  if (s3.redirect) settings.redirect_expiry = std::chrono::minutes(20);
  remote_ = std::make_unique<storage::S3ContentStore>(settings, storage.root);
  uint64_t local_bytes = s3.local_cache_bytes;
  if (s3.local_cache_percent > 0) {
    local_bytes = config::SizeLimit{0, s3.local_cache_percent}.resolve(
        std::filesystem::space(storage.root).capacity);
  }
  if (local_bytes > 0) {
    cached_ = std::make_unique<storage::LocalCachedStore>(*remote_, storage.root, local_bytes);
  }
  description_ = "s3://" + s3.bucket + "/" + s3.root_directory + " at " + s3.endpoint +
                 " (staging, index" +
                 (cached_ ? " and up to " + config::format_bytes(local_bytes) + " of local copies"
                          : std::string()) +
                 " in " + storage.root.string() + ")";
  // Local copies have descriptors: the hot small ones are also kept in memory.
  hot_ = std::make_unique<storage::HotContentStore>(
      cached_ ? static_cast<storage::ContentStore&>(*cached_) : *remote_);
}

}  // namespace regcache::lifecycle
