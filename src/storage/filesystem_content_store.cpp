#include "storage/filesystem_content_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "storage/file_reader.hpp"

namespace regcache::storage {
namespace fs = std::filesystem;
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

class FilesystemStagingFile final : public StagingFile {
 public:
  FilesystemStagingFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  ~FilesystemStagingFile() override {
    discard();
    ::close(fd_);
  }
  int native_handle() const override { return fd_; }
  uint64_t size() const override { return size_; }
  std::error_code append(std::span<const char> bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return last_error();
      }
      size_ += static_cast<uint64_t>(n);
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return {};
  }
  std::error_code sync() override {
    return ::fdatasync(fd_) == 0 ? std::error_code() : last_error();
  }
  void discard() override {
    if (!published_ && !discarded_) ::unlink(path_.c_str());
    discarded_ = true;
  }

  const fs::path& path() const { return path_; }
  void mark_published() { published_ = true; }

 private:
  int fd_;
  fs::path path_;
  uint64_t size_ = 0;
  bool published_ = false;
  bool discarded_ = false;
};

}  // namespace

FilesystemContentStore::FilesystemContentStore(fs::path root)
    : data_dir_(std::move(root) / "regcache" / "v1"),
      blobs_dir_(data_dir_ / "blobs" / "sha256"),
      staging_dir_(data_dir_ / "staging") {
  fs::create_directories(blobs_dir_);
  fs::create_directories(staging_dir_);
  blobs_prefix_ = blobs_dir_.string() + "/";
}

const char* FilesystemContentStore::blob_path(const Digest& digest, BlobPathBuffer& buffer) const {
  const std::string_view hex = digest.hex();
  if (blobs_prefix_.size() + 3 + hex.size() + 1 > buffer.size()) {
    return nullptr;  // a root this long cannot be opened anyway (PATH_MAX)
  }
  char* out = std::copy(blobs_prefix_.begin(), blobs_prefix_.end(), buffer.data());
  out = std::copy_n(hex.data(), std::min<size_t>(2, hex.size()), out);
  *out++ = '/';
  out = std::copy(hex.begin(), hex.end(), out);
  *out = '\0';
  return buffer.data();
}

fs::path FilesystemContentStore::path_of(const Digest& digest) const {
  return blobs_dir_ / digest.hex().substr(0, 2) / digest.hex();
}

std::optional<uint64_t> FilesystemContentStore::size_of(const Digest& digest) {
  BlobPathBuffer buffer;
  const char* path = blob_path(digest, buffer);
  struct stat st {};
  if (path == nullptr || ::stat(path, &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

Result<std::unique_ptr<ContentReader>, std::error_code> FilesystemContentStore::open(
    const Digest& digest) {
  BlobPathBuffer buffer;
  const char* path = blob_path(digest, buffer);
  if (path == nullptr) return fail(std::make_error_code(std::errc::filename_too_long));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(last_error());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto ec = last_error();
    ::close(fd);
    return fail(ec);
  }
  return std::unique_ptr<ContentReader>(
      std::make_unique<FileReader>(fd, static_cast<uint64_t>(st.st_size)));
}

Result<std::unique_ptr<StagingFile>, std::error_code> FilesystemContentStore::create_staging() {
  std::string pattern = (staging_dir_ / "XXXXXXXXXX.part").string();
  int fd = ::mkstemps(pattern.data(), 5);
  if (fd < 0) return fail(last_error());
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return std::unique_ptr<StagingFile>(std::make_unique<FilesystemStagingFile>(fd, pattern));
}

std::error_code FilesystemContentStore::publish(StagingFile& staged, const Digest& digest) {
  auto* file = dynamic_cast<FilesystemStagingFile*>(&staged);
  if (file == nullptr) return std::make_error_code(std::errc::invalid_argument);
  auto target = path_of(digest);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return ec;
  if (::rename(file->path().c_str(), target.c_str()) != 0) return last_error();
  file->mark_published();
  return {};
}

std::error_code FilesystemContentStore::remove(const Digest& digest) {
  if (::unlink(path_of(digest).c_str()) != 0 && errno != ENOENT) return last_error();
  return {};
}

void FilesystemContentStore::for_each(const std::function<void(const Digest&, uint64_t)>& visit) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(blobs_dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto digest = Digest::parse("sha256:" + it->path().filename().string());
    if (!digest) {
      spdlog::warn("storage: ignoring unexpected file {}", it->path().string());
      continue;
    }
    visit(*digest, it->file_size(ec));
  }
}

void FilesystemContentStore::remove_abandoned_staging() {
  std::error_code ec;
  size_t removed = 0;
  for (auto& entry : fs::directory_iterator(staging_dir_, ec)) {
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  if (removed > 0)
    spdlog::info("storage: removed {} unfinished download(s) left by a previous run", removed);
}

}  // namespace regcache::storage
