#include "registry/registry_error.hpp"

#include <nlohmann/json.hpp>

namespace regcache::registry {

ErrorInfo error_info(ErrorCode code) {
  switch (code) {
    case ErrorCode::blob_unknown: return {"BLOB_UNKNOWN", 404};
    case ErrorCode::blob_upload_invalid: return {"BLOB_UPLOAD_INVALID", 400};
    case ErrorCode::digest_invalid: return {"DIGEST_INVALID", 400};
    case ErrorCode::manifest_unknown: return {"MANIFEST_UNKNOWN", 404};
    case ErrorCode::manifest_invalid: return {"MANIFEST_INVALID", 400};
    case ErrorCode::name_invalid: return {"NAME_INVALID", 400};
    case ErrorCode::name_unknown: return {"NAME_UNKNOWN", 404};
    case ErrorCode::range_invalid: return {"RANGE_INVALID", 416};
    case ErrorCode::tag_invalid: return {"TAG_INVALID", 400};
    case ErrorCode::unauthorized: return {"UNAUTHORIZED", 401};
    case ErrorCode::denied: return {"DENIED", 403};
    case ErrorCode::unsupported: return {"UNSUPPORTED", 405};
    case ErrorCode::too_many_requests: return {"TOOMANYREQUESTS", 429};
    case ErrorCode::unavailable: return {"UNAVAILABLE", 503};
  }
  return {"UNKNOWN", 500};
}

std::string error_body(ErrorCode code, std::string_view message, std::string_view detail) {
  nlohmann::json error = {{"code", error_info(code).code}, {"message", message}};
  if (!detail.empty()) error["detail"] = detail;
  return nlohmann::json{{"errors", nlohmann::json::array({error})}}.dump();
}

}  // namespace regcache::registry
