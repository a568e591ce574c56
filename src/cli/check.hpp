#pragma once
// check: the troubleshooting list run automatically. Against a config: is it
// valid, is storage writable and how full, is the egress proxy reachable, is
// each upstream reachable (through that proxy), do the credentials obtain a
// token, how much pull quota is left, is the clock sane. Against a running
// mirror (--mirror): does /v2/ answer, which headers does it send, is it
// ready, how fast does a cached blob come back. Each line says pass or fail
// and, on failure, what to do.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace regcache::cli {

enum class CheckStatus { pass, warn, fail, skip };
const char* to_string(CheckStatus status);

struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::pass;
  std::string detail;  // what was found
  std::string fix;     // what to do (failures and warnings)
};

struct CheckOptions {
  std::optional<std::string> config_path;  // else REGISTRY_CONFIGURATION_PATH, else defaults
  bool check_config = true;                // false: only the mirror checks (--mirror-only)
  std::string mirror_url;                  // empty: no mirror checks
  std::string image;  // for the quota and cached-blob checks (default per upstream)
  unsigned clock_skew_limit_seconds = 30;
};

std::vector<CheckResult> run_checks(const CheckOptions& options);

// Text lines ("PASS  name  detail" + "      -> fix") or one JSON document.
void print_text(const std::vector<CheckResult>& results, std::FILE* out);
void print_json(const std::vector<CheckResult>& results, std::FILE* out);
bool any_failed(const std::vector<CheckResult>& results);

}  // namespace regcache::cli
