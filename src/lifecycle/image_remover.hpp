#pragma once
// Operator removal of an image (repository:tag or repository@digest) or of a
// whole repository. The tags, pins and repository links go; then whatever they
// kept alive and nothing else needs is collected (a layer another repository
// still uses stays).

#include <optional>
#include <string>

#include "lifecycle/garbage_collector.hpp"

namespace regcache::lifecycle {

struct ImageSelector {
  std::string upstream;
  std::string repository;
  std::string tag;                         // empty: by digest or the whole repository
  std::optional<registry::Digest> digest;  // set: that manifest only
};

struct RemoveReport {
  bool found = false;  // the selector matched a tag, pin or repository
  std::vector<index::TagEntry> tags;  // dropped (dry run: would be)
  std::vector<index::LinkEntry> pins;
  // On a shared bucket: `collected` left this node's index; the collector
  // removes it from the bucket once no node's tag or pin reaches it.
  bool left_to_collector = false;
  GcReport collected;
};

RemoveReport remove_image(index::CacheIndex& index, ContentRemover& remover,
                          const ImageSelector& selector, bool dry_run);

}  // namespace regcache::lifecycle
