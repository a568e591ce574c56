#pragma once
// ContentStore on a local filesystem. Layout under the root directory
// (kept apart from registry:2's docker/registry/v2 tree so both can share a root):
//
//   <root>/regcache/v1/
//     blobs/sha256/<first two hex>/<64 hex>   published, verified content
//     staging/<random>.part                    downloads in progress
//     index.sqlite                             metadata (see index/)
//
// Staging and blobs are on one filesystem, so publishing is an atomic rename.

#include <array>
#include <filesystem>
#include <string>

#include "storage/content_store.hpp"

namespace regcache::storage {

class FilesystemContentStore final : public ContentStore {
 public:
  // Creates the directory tree if needed. Throws std::filesystem::filesystem_error
  // when the root cannot be used (start-up path).
  explicit FilesystemContentStore(std::filesystem::path root);

  std::optional<uint64_t> size_of(const Digest& digest) override;
  Result<std::unique_ptr<ContentReader>, std::error_code> open(const Digest& digest) override;
  Result<std::unique_ptr<StagingFile>, std::error_code> create_staging() override;
  std::error_code publish(StagingFile& staged, const Digest& digest) override;
  std::error_code remove(const Digest& digest) override;
  void for_each(const std::function<void(const Digest&, uint64_t)>& visit) override;
  void remove_abandoned_staging() override;

  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path path_of(const Digest& digest) const;

 private:
  // NUL-terminated path of a blob, built without allocating (opened on every hit).
  using BlobPathBuffer = std::array<char, 4096>;
  const char* blob_path(const Digest& digest, BlobPathBuffer& buffer) const;

  std::filesystem::path data_dir_;
  std::filesystem::path blobs_dir_;
  std::filesystem::path staging_dir_;
  std::string blobs_prefix_;  // blobs_dir_ with a trailing '/': hot-path names without fs::path
};

}  // namespace regcache::storage
