#pragma once
// prefetch: pre-warms a running mirror. For each image it asks the mirror for
// the manifest (a tag is revalidated by the mirror as for any client), every
// platform's manifest of an index (or the chosen platforms), and every blob.
// A blob the mirror already has is only HEADed (its answer says X-Cache: hit),
// so a second run costs the upstream nothing but tag revalidation; a missing
// blob is downloaded through the mirror and discarded here. At most
// `concurrency` requests run at once.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/platform.hpp"
#include "util/result.hpp"

namespace regcache::cli {

struct PrefetchOptions {
  std::string mirror_url;           // http://mirror:5000
  std::vector<std::string> images;  // as written by the user
  std::vector<Platform> platforms;  // empty: all platforms of an index
  unsigned concurrency = 4;
  std::chrono::seconds stall_timeout{60};
};

struct PrefetchSummary {
  size_t images_ok = 0;
  size_t images_failed = 0;
  size_t blobs_fetched = 0;
  size_t blobs_cached = 0;
  uint64_t bytes_fetched = 0;
  double seconds = 0;
};

// Runs the prefetch, reporting to `out` (a progress bar when `terminal`).
PrefetchSummary run_prefetch(const PrefetchOptions& options, std::FILE* out, bool terminal);

// Image references from a file: one per line; blank lines and # comments skipped.
Result<std::vector<std::string>, std::string> read_image_list(const std::filesystem::path& file);

}  // namespace regcache::cli
