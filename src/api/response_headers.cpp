#include "api/response_headers.hpp"

namespace regcache::api {

http::bhttp::response<http::bhttp::string_body> ResponseHeaders::error(
    registry::ErrorCode code, const std::string& message, unsigned status_override) const {
  auto info = registry::error_info(code);
  http::bhttp::response<http::bhttp::string_body> response;
  response.result(status_override ? status_override : info.status);
  response.set(http::bhttp::field::content_type, "application/json; charset=utf-8");
  response.set(http::bhttp::field::cache_control, "no-store");
  response.body() = registry::error_body(code, message);
  apply(response);
  return response;
}

}  // namespace regcache::api
