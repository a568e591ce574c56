#pragma once
// The distribution spec's error codes, their HTTP status, and the JSON body
// {"errors":[{"code":..., "message":..., "detail":...}]} every error answer carries.

#include <string>
#include <string_view>

namespace regcache::registry {

enum class ErrorCode {
  blob_unknown,
  blob_upload_invalid,
  digest_invalid,
  manifest_unknown,
  manifest_invalid,
  name_invalid,
  name_unknown,
  range_invalid,
  tag_invalid,
  unauthorized,
  denied,
  unsupported,
  too_many_requests,
  unavailable,  // upstream unreachable and nothing cached (registry:2 uses it for 503)
};

struct ErrorInfo {
  std::string_view code;  // "BLOB_UNKNOWN", ...
  unsigned status;        // HTTP status
};

ErrorInfo error_info(ErrorCode code);

// JSON body for one error. `detail` is omitted when empty.
std::string error_body(ErrorCode code, std::string_view message, std::string_view detail = {});

}  // namespace regcache::registry
