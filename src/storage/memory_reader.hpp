#pragma once
// MemoryReader: a ContentReader over bytes held in memory (HotContentStore's
// copies, a manifest that could not be stored while caching is paused). The
// responder sends them straight from memory (in_memory()).

#include <memory>
#include <string>

#include "storage/content_store.hpp"

namespace regcache::storage {

class MemoryReader final : public ContentReader {
 public:
  explicit MemoryReader(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_->size(); }
  int native_handle() const override { return -1; }
  std::optional<std::string_view> in_memory() const override { return *bytes_; }
  Result<size_t, std::error_code> read_at(uint64_t offset, std::span<char> out) override;

 private:
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace regcache::storage
