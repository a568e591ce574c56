#include "lifecycle/content_remover.hpp"

#include <spdlog/spdlog.h>

namespace regcache::lifecycle {

bool ContentRemover::downloading(const registry::Digest& digest) const {
  return fetcher_ != nullptr && fetcher_->find(digest) != nullptr;
}

ContentRemover::Outcome ContentRemover::remove(const registry::Digest& digest,
                                               const index::RemovalCondition& condition) {
  std::unique_lock<std::mutex> guard;
  if (fetcher_ != nullptr) {
    guard = fetcher_->lock_content(digest);
    if (fetcher_->find(digest)) return Outcome::downloading;
  }
  if (!index_.remove_object_if(digest, condition)) return Outcome::kept;
  if (keep_store_content_) return Outcome::removed;
  if (auto ec = store_.remove(digest)) {
    spdlog::warn("lifecycle: cannot delete the file of {}: {}", digest.str(), ec.message());
  }
  return Outcome::removed;
}

}  // namespace regcache::lifecycle
