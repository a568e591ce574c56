#include "storage/s3_content_store.hpp"

#include <spdlog/spdlog.h>

#include <ctime>
#include <stdexcept>
#include <thread>

namespace regcache::storage {
namespace {

// Reads by ranged GET; falls back to the removed/ copy when the object was
// removed after this reader was opened.
class S3Reader final : public ContentReader {
 public:
  // A store may fail a read, or answer it short, while another node overwrites
  // the object with the same bytes (nodes sharing a bucket without Redis can
  // publish the same blob at once): retry for about three seconds before
  // giving up on the client.
  static constexpr int kReadAttempts = 8;

  S3Reader(std::shared_ptr<S3Client> client, std::string key, std::string removed_key,
           uint64_t size)
      : client_(std::move(client)),
        key_(std::move(key)),
        removed_key_(std::move(removed_key)),
        size_(size) {}
  uint64_t size() const override { return size_; }
  int native_handle() const override { return -1; }
  Result<size_t, std::error_code> read_at(uint64_t offset, std::span<char> out) override {
    if (offset >= size_) return size_t{0};
    out = out.subspan(0, static_cast<size_t>(std::min<uint64_t>(out.size(), size_ - offset)));
    Result<size_t, std::error_code> got = size_t{0};
    for (int attempt = 1; attempt <= kReadAttempts; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(std::chrono::milliseconds(25 << (attempt - 2)));
      got = client_->read_range(removed_ ? removed_key_ : key_, offset, out);
      if (got.ok() && got.value() > 0) return got;
      if (!got.ok() && got.error() == std::errc::permission_denied) return got;
      // Gone: the collector removed it after this reader opened it; the grace
      // copy has the same bytes.
      if (!got.ok() && got.error() == std::errc::no_such_file_or_directory && !removed_) {
        removed_ = true;
        got = client_->read_range(removed_key_, offset, out);
        if (got.ok() && got.value() > 0) return got;
        removed_ = false;  // no grace copy: the object is being replaced
      }
    }
    if (got.ok()) return fail(std::make_error_code(std::errc::io_error));  // nothing at offset
    return got;
  }

 private:
  std::shared_ptr<S3Client> client_;
  std::string key_, removed_key_;
  uint64_t size_;
  bool removed_ = false;
};

std::string join_prefix(const std::string& root) {
  std::string trimmed = root;
  while (!trimmed.empty() && trimmed.front() == '/') trimmed.erase(0, 1);
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  return trimmed.empty() ? "regcache/v1/" : trimmed + "/regcache/v1/";
}

}  // namespace

S3ContentStore::S3ContentStore(S3Settings settings, std::filesystem::path local_root)
    : client_(std::make_shared<S3Client>(std::move(settings))),
      local_(std::move(local_root)),
      prefix_(join_prefix(client_->settings().root_directory)) {
  auto probe = client_->head(prefix_ + "probe");
  if (!probe.ok()) {
    throw std::runtime_error("cannot use S3 bucket " + client_->settings().bucket + " at " +
                             client_->settings().endpoint + ": " + probe.error().message());
  }
}

std::string S3ContentStore::key_of(const Digest& digest) const {
  return prefix_ + "blobs/sha256/" + digest.hex();
}

std::string S3ContentStore::removed_key_of(const Digest& digest) const {
  return prefix_ + "removed/sha256/" + digest.hex();
}

std::optional<uint64_t> S3ContentStore::size_of(const Digest& digest) {
  auto size = client_->head(key_of(digest));
  if (!size.ok()) return std::nullopt;  // unreachable store: treated as a miss
  return size.value();
}

Result<std::unique_ptr<ContentReader>, std::error_code> S3ContentStore::open(const Digest& digest) {
  auto size = client_->head(key_of(digest));
  if (!size.ok()) return fail(size.error());
  if (!size.value()) return fail(std::make_error_code(std::errc::no_such_file_or_directory));
  return std::unique_ptr<ContentReader>(
      std::make_unique<S3Reader>(client_, key_of(digest), removed_key_of(digest), *size.value()));
}

Result<std::unique_ptr<StagingFile>, std::error_code> S3ContentStore::create_staging() {
  return local_.create_staging();
}

std::error_code S3ContentStore::publish(StagingFile& staged, const Digest& digest) {
  const std::string& sha256 = digest.hex();  // the store checks the body against it
  // Content-addressed and verified by whoever put it there: another node sharing
  // the bucket stored it already. Overwriting it would only disturb the reads
  // other nodes are making of it.
  if (auto there = client_->head(key_of(digest));
      there.ok() && there.value() && *there.value() == staged.size()) {
    staged.discard();
    return {};
  }
  if (auto ec = client_->put_file(key_of(digest), staged.native_handle(), staged.size(), sha256)) {
    return ec;
  }
  // The local copy is no longer needed; readers following it keep the descriptor.
  staged.discard();
  return {};
}

std::optional<std::string> S3ContentStore::redirect_url(const Digest& digest) {
  const auto expires = client_->settings().redirect_expiry;
  if (expires.count() <= 0 || !size_of(digest)) return std::nullopt;  // gone: served as a miss
  return client_->presigned_get(key_of(digest), expires);
}

std::error_code S3ContentStore::remove(const Digest& digest) {
  auto size = client_->head(key_of(digest));
  if (!size.ok()) return size.error();
  if (!size.value()) return {};
  if (auto ec = client_->copy(key_of(digest), removed_key_of(digest))) {
    spdlog::warn("s3: keeping no grace copy of {}: {}", digest.str(), ec.message());
  }
  return client_->remove(key_of(digest));
}

void S3ContentStore::for_each(const std::function<void(const Digest&, uint64_t)>& visit) {
  const std::string blobs = prefix_ + "blobs/sha256/";
  auto ec = client_->list(blobs, [&](const S3Object& object) {
    auto digest = Digest::parse("sha256:" + object.key.substr(blobs.size()));
    if (!digest) {
      spdlog::warn("s3: ignoring unexpected object {}", object.key);
      return;
    }
    visit(*digest, object.size);
  });
  if (ec) spdlog::warn("s3: listing {} failed: {}", blobs, ec.message());
}

void S3ContentStore::remove_abandoned_staging() {
  local_.remove_abandoned_staging();
  remove_expired_grace_copies();
}

void S3ContentStore::remove_expired_grace_copies() {
  // Removed objects past their grace period. Interrupted multipart uploads are
  // invisible; a bucket lifecycle rule (AbortIncompleteMultipartUpload) reclaims them.
  const auto cutoff =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - kRemovedGrace);
  std::vector<std::string> expired;
  client_->list(prefix_ + "removed/", [&](const S3Object& object) {
    const int64_t when = object.modified_at();
    if (when > 0 && when < cutoff) expired.push_back(object.key);
  });
  for (const auto& key : expired) client_->remove(key);
}

}  // namespace regcache::storage
