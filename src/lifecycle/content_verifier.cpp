#include "lifecycle/content_verifier.hpp"

#include <spdlog/spdlog.h>

#include "util/sha256.hpp"

namespace regcache::lifecycle {
namespace {

constexpr size_t kChunk = 1024 * 1024;

std::optional<std::string> problem_of(storage::ContentStore& store,
                                      const index::ObjectRecord& object) {
  auto reader = store.open(object.digest);
  if (!reader) return "cannot open: " + reader.error().message();
  if (reader.value()->size() != object.size) {
    return "size " + std::to_string(reader.value()->size()) + " (index says " +
           std::to_string(object.size) + ")";
  }
  Sha256 sha;
  std::string buffer(kChunk, '\0');
  uint64_t offset = 0;
  while (offset < object.size) {
    auto n = reader.value()->read_at(offset, std::span<char>(buffer.data(), buffer.size()));
    if (!n) return "read error: " + n.error().message();
    if (n.value() == 0) return std::string("shorter than its size");
    sha.update(std::span<const char>(buffer.data(), n.value()));
    offset += n.value();
  }
  auto hex = sha.finish_hex();
  if (hex != object.digest.hex()) return "content is sha256:" + hex;
  return std::nullopt;
}

}  // namespace

VerifyReport verify_content(index::CacheIndex& index, storage::ContentStore& store,
                            ContentRemover& remover, bool fix) {
  VerifyReport report;
  for (const auto& object : index.objects()) {
    ++report.checked;
    report.bytes += object.size;
    auto problem = problem_of(store, object);
    if (!problem) continue;
    spdlog::warn("verify: {}: {}", object.digest.str(), *problem);
    report.bad.push_back({object.digest, *problem});
    if (fix && remover.remove(object.digest, {}) == ContentRemover::Outcome::removed) {
      ++report.removed;
    }
  }
  return report;
}

}  // namespace regcache::lifecycle
