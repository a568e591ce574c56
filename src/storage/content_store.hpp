#pragma once
// ContentStore: where verified content (blobs and manifests) lives, keyed by
// digest. Every backend (the filesystem now, object storage later) implements
// this interface and passes the same conformance suite
// (tests/unit/storage/content_store_conformance_test.cpp).
//
// Writing goes through a local staging file: a download appends to it while
// clients read what has arrived, and only after the digest is verified does
// `publish` make it visible under its digest (a rename on the filesystem, an
// upload for object storage). Nothing unverified is ever visible.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "registry/digest.hpp"
#include "util/result.hpp"

namespace regcache::storage {

using registry::Digest;

// Read access to one published object. The object stays readable through this
// handle even if it is removed from the store meanwhile.
class ContentReader {
 public:
  virtual ~ContentReader() = default;
  virtual uint64_t size() const = 0;
  // A file descriptor usable with sendfile(2)/pread(2), or -1 when the backend
  // has none (then use read_at).
  virtual int native_handle() const = 0;
  virtual Result<size_t, std::error_code> read_at(uint64_t offset, std::span<char> out) = 0;
  // The whole object when it is held in memory (HotContentStore), else nullopt.
  virtual std::optional<std::string_view> in_memory() const { return std::nullopt; }
};

// A local file that a download writes and readers follow. Owned by one
// download; removed on destruction unless published.
class StagingFile {
 public:
  virtual ~StagingFile() = default;
  virtual int native_handle() const = 0;  // readable and writable descriptor
  virtual std::error_code append(std::span<const char> bytes) = 0;
  virtual uint64_t size() const = 0;
  // Flush to stable storage before publishing (crash safety).
  virtual std::error_code sync() = 0;
  // Gives up on this download now: its partial data leaves the store at once
  // (the descriptor stays valid for readers still holding it).
  virtual void discard() = 0;
};

class ContentStore {
 public:
  virtual ~ContentStore() = default;

  // Size of a published object, or nullopt if absent.
  virtual std::optional<uint64_t> size_of(const Digest& digest) = 0;
  virtual Result<std::unique_ptr<ContentReader>, std::error_code> open(const Digest& digest) = 0;

  virtual Result<std::unique_ptr<StagingFile>, std::error_code> create_staging() = 0;
  // Makes the staged bytes visible as `digest`. The caller has verified them.
  // On success the staging file's descriptor stays valid for its readers.
  virtual std::error_code publish(StagingFile& staged, const Digest& digest) = 0;

  virtual std::error_code remove(const Digest& digest) = 0;
  // Where a client may download a published object itself (a presigned URL
  // of the bucket; the object is there), or nullopt: this node serves it.
  virtual std::optional<std::string> redirect_url(const Digest& /*digest*/) { return std::nullopt; }
  // Every published object with its size (start-up reconciliation, GC).
  virtual void for_each(const std::function<void(const Digest&, uint64_t)>& visit) = 0;
  // Deletes staging files left by a crash. Call before serving.
  virtual void remove_abandoned_staging() = 0;
};

}  // namespace regcache::storage
