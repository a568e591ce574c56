#pragma once
// Request IDs: a client's (or a load balancer's) X-Request-ID is kept when it
// looks like an ID; otherwise one is generated. The ID is echoed in the
// response and written in the access-log line and in the upstream-request
// lines the request causes, so one pull can be followed through the logs.

#include <string>
#include <string_view>

namespace regcache::http {

inline constexpr std::string_view kRequestIdHeader = "X-Request-ID";

// 1 to 128 characters from [A-Za-z0-9._:+/=-]; anything else is not echoed
// (it would end up in logs verbatim).
bool acceptable_request_id(std::string_view id);
// 32 random hex digits.
std::string generate_request_id();
// The client's ID when acceptable, else a new one.
std::string request_id_for(std::string_view header_value);

}  // namespace regcache::http
