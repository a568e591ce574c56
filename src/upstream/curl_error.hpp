#pragma once
// CURLcode as a std::error_code (category "curl"), and what each code means for
// an upstream operation: which FailureKind it becomes and whether it is worth
// another attempt.

#include <curl/curl.h>

#include <system_error>

#include "upstream/upstream_failure.hpp"

namespace regcache::upstream {

const std::error_category& curl_category();

inline std::error_code make_curl_error(CURLcode code) {
  return {static_cast<int>(code), curl_category()};
}

// The failure kind a transport error maps to (CURLE_OK is not an error and maps
// to `protocol`; callers only ask for real errors).
FailureKind failure_kind_of(CURLcode code);

// True for errors a new attempt may fix: refused or reset connections, name
// resolution, timeouts and transfers that broke off. False for TLS verification,
// malformed URLs and errors raised by our own callbacks.
bool is_transient(CURLcode code);

}  // namespace regcache::upstream
