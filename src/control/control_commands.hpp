#pragma once
// The operator commands, one JSON request in and one JSON answer out, run the
// same way inside a serving regcache (over its control socket) and in the
// command-line process on a stopped cache.
//
// Requests: {"command": "status" | "usage" | "list" | "gc" | "remove" | "verify", ...}
//   usage:  "top" (number of images, default 10)
//   list:   "repository" (optional filter)
//   gc:     "dry_run"
//   remove: "upstream", "repository", "tag" | "digest" (neither: the whole
//           repository), "dry_run"
//   verify: "fix"
// Answers: {"ok": true, "result": ...} or {"ok": false, "error": "..."}.

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "index/cache_index.hpp"
#include "lifecycle/housekeeper.hpp"

namespace regcache::control {

struct CacheAccess {
  const config::Config& config;
  index::CacheIndex& index;
  lifecycle::Housekeeper& housekeeper;
};

nlohmann::json execute(const nlohmann::json& request, CacheAccess& cache);

}  // namespace regcache::control
