#pragma once
// LocalCachedStore: a bounded local disk copy in front of the S3 content store
// (regcache.s3_local_cache.max_size). Layout under storage.filesystem.rootdirectory:
//
//   <root>/s3-local/regcache/v1/blobs/sha256/<2 hex>/<64 hex>   local copies
//   <root>/s3-local/regcache/v1/staging/                        copies being made
//
// * Reads try the local copy first (a plain file: sendfile, as on the
//   filesystem backend), then the bucket. A blob read whole and in order from
//   the bucket is kept locally too, once its SHA-256 matches (one copy per
//   digest at a time; the bytes are written as they pass, nothing is buffered).
// * Publishing links the verified staging file into the local copies, then
//   uploads it. When the bucket is unreachable the blob stays local only and is
//   uploaded once the bucket answers again (if still local then; otherwise the
//   next miss fetches it from upstream again).
// * The local copies are bounded by max_bytes, least recently used leave
//   first. They are a cache of the bucket: losing them costs only reads.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "storage/content_store.hpp"
#include "storage/filesystem_content_store.hpp"
#include "storage/s3_content_store.hpp"

namespace regcache::storage {

class LocalCachedStore final : public ContentStore {
 public:
  // Throws std::filesystem::filesystem_error when the directory cannot be used.
  LocalCachedStore(S3ContentStore& remote, const std::filesystem::path& local_root,
                   uint64_t max_bytes);
  ~LocalCachedStore() override;

  std::optional<uint64_t> size_of(const Digest& digest) override;
  Result<std::unique_ptr<ContentReader>, std::error_code> open(const Digest& digest) override;
  Result<std::unique_ptr<StagingFile>, std::error_code> create_staging() override;
  std::error_code publish(StagingFile& staged, const Digest& digest) override;
  std::error_code remove(const Digest& digest) override;
  // The bucket's URL, unless the only copy is still local (not yet uploaded).
  std::optional<std::string> redirect_url(const Digest& digest) override;
  void for_each(const std::function<void(const Digest&, uint64_t)>& visit) override;
  void remove_abandoned_staging() override;

  uint64_t local_bytes() const;
  uint64_t max_bytes() const { return max_bytes_; }

  // Shared with the readers that copy a blob from the bucket (they may outlive
  // a request, not the store).
  struct Shelf;

 private:
  void upload_pending(std::stop_token stop);

  S3ContentStore& remote_;
  const uint64_t max_bytes_;
  std::shared_ptr<Shelf> shelf_;
  std::jthread uploader_;
};

}  // namespace regcache::storage
