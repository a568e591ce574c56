#pragma once
// Checks every cached file against its digest (and the index's size). Bad ones
// are reported, and with `fix` removed so the next pull fetches them again.

#include <string>
#include <vector>

#include "lifecycle/content_remover.hpp"

namespace regcache::lifecycle {

struct VerifyReport {
  size_t checked = 0;
  uint64_t bytes = 0;
  struct Bad {
    registry::Digest digest;
    std::string problem;  // "missing", "size 12 (index says 34)", "content is sha256:..."
  };
  std::vector<Bad> bad;
  size_t removed = 0;
};

VerifyReport verify_content(index::CacheIndex& index, storage::ContentStore& store,
                            ContentRemover& remover, bool fix);

}  // namespace regcache::lifecycle
