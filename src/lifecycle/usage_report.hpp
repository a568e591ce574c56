#pragma once
// What the cache holds, for `regcache usage` and `regcache list`: computed from
// one index snapshot, as JSON (the admin protocol's answer and `--json`).
//  - usage: totals, per upstream and per repository (content a repository's
//    manifests reference; a layer shared by two repositories counts in both,
//    once in the total), the largest images and when each was last used;
//  - list: every cached tag and pinned digest with its size and last use.

#include <nlohmann/json.hpp>

#include "index/cache_index.hpp"

namespace regcache::lifecycle {

nlohmann::json usage_report(const index::IndexSnapshot& snapshot, size_t top_images);
nlohmann::json image_list(const index::IndexSnapshot& snapshot, const std::string& repository);

}  // namespace regcache::lifecycle
