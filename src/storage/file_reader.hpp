#pragma once
// FileReader: a ContentReader over an open file descriptor (owned: closed with
// the reader), so the object stays readable even if its file is removed.

#include "storage/content_store.hpp"

namespace regcache::storage {

class FileReader final : public ContentReader {
 public:
  FileReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  uint64_t size() const override { return size_; }
  int native_handle() const override { return fd_; }
  Result<size_t, std::error_code> read_at(uint64_t offset, std::span<char> out) override;

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace regcache::storage
