#pragma once
// HotContentStore: a ContentStore in front of another that keeps the most
// recently opened small objects (manifests, config blobs, small layers) in
// memory. Every pull asks for a manifest, often the same few thousand times in
// a row when a fleet rolls out; answering those from memory saves the open,
// stat, read and close of a file per request (a quarter of a small request's
// cost). Content is immutable per digest, so a copy never goes stale; removing
// an object through this store drops its copy at once.
//
// Only objects with a file descriptor are copied (a local read on the I/O
// thread, like the sendfile it replaces); the memory is bounded by
// `max_bytes`, least recently used first out.

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/content_store.hpp"

namespace regcache::storage {

class HotContentStore : public ContentStore {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 8 * 1024 * 1024;
  static constexpr uint64_t kDefaultMaxObject = 64 * 1024;

  explicit HotContentStore(ContentStore& inner, uint64_t max_bytes = kDefaultMaxBytes,
                           uint64_t max_object = kDefaultMaxObject);

  std::optional<uint64_t> size_of(const Digest& digest) override;
  Result<std::unique_ptr<ContentReader>, std::error_code> open(const Digest& digest) override;
  Result<std::unique_ptr<StagingFile>, std::error_code> create_staging() override;
  std::error_code publish(StagingFile& staged, const Digest& digest) override;
  std::error_code remove(const Digest& digest) override;
  std::optional<std::string> redirect_url(const Digest& digest) override {
    return inner_.redirect_url(digest);
  }
  void for_each(const std::function<void(const Digest&, uint64_t)>& visit) override;
  void remove_abandoned_staging() override;

  uint64_t bytes_held() const;

 private:
  using Bytes = std::shared_ptr<const std::string>;
  struct Entry {
    std::string hex;
    Bytes bytes;
  };

  Bytes find(const std::string& hex);
  // Keeps a copy unless something was removed since `removals_seen` (the copy
  // could be of an object removed while it was being read).
  void keep(const std::string& hex, Bytes bytes, uint64_t removals_seen);
  uint64_t removals() const;
  void forget(const std::string& hex);

  ContentStore& inner_;
  const uint64_t max_bytes_;
  const uint64_t max_object_;
  mutable std::mutex mutex_;
  std::list<Entry> recent_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_hex_;
  uint64_t bytes_ = 0;
  uint64_t removals_ = 0;
};

}  // namespace regcache::storage
