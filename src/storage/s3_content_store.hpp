#pragma once
// ContentStore on an S3 bucket (Ceph RGW, MinIO, AWS S3, OSS, COS, OBS).
// Key layout under storage.s3.rootdirectory:
//
//   <root>/regcache/v1/blobs/sha256/<64 hex>   published, verified content
//   <root>/regcache/v1/removed/sha256/<64 hex> removed, kept for a grace period
//
// Staging stays on local disk (a download is followed by its clients from the
// staging file). `publish` uploads the verified file straight to its digest
// key: S3 makes an object visible only once a PUT (with the blob's SHA-256 as
// the signed payload hash, checked by the store) or a CompleteMultipartUpload
// has succeeded, so a partial or wrong object is never visible and no
// temporary key plus server-side copy is needed.
//
// `remove` first copies the object to removed/ and deletes it there only when
// remove_abandoned_staging() runs after kRemovedGrace: readers holding it (on
// this node or another one sharing the bucket) keep reading meanwhile.

#include <chrono>
#include <filesystem>
#include <memory>

#include "storage/content_store.hpp"
#include "storage/filesystem_content_store.hpp"
#include "storage/s3_client.hpp"

namespace regcache::storage {

class S3ContentStore final : public ContentStore {
 public:
  static constexpr std::chrono::minutes kRemovedGrace{30};

  // `local_root` holds the staging files. Throws std::runtime_error when the
  // bucket cannot be reached (start-up path).
  S3ContentStore(S3Settings settings, std::filesystem::path local_root);

  std::optional<uint64_t> size_of(const Digest& digest) override;
  Result<std::unique_ptr<ContentReader>, std::error_code> open(const Digest& digest) override;
  Result<std::unique_ptr<StagingFile>, std::error_code> create_staging() override;
  std::error_code publish(StagingFile& staged, const Digest& digest) override;
  std::error_code remove(const Digest& digest) override;
  std::optional<std::string> redirect_url(const Digest& digest) override;
  void for_each(const std::function<void(const Digest&, uint64_t)>& visit) override;
  void remove_abandoned_staging() override;
  // Deletes the removed/ copies older than kRemovedGrace (the bucket's collector).
  void remove_expired_grace_copies();

  std::string key_of(const Digest& digest) const;
  std::string removed_key_of(const Digest& digest) const;
  S3Client& client() { return *client_; }
  const std::string& prefix() const { return prefix_; }  // "<root>/regcache/v1/"


 private:
  std::shared_ptr<S3Client> client_;  // shared with open readers
  FilesystemContentStore local_;      // staging only
  std::string prefix_;                // "<root>/regcache/v1/"
};

}  // namespace regcache::storage
