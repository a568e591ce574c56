#pragma once
// AttemptError: why one attempt of an upstream operation failed, whether
// another attempt may succeed, and the helpers that turn a transport error or
// an HTTP status into one.

#include <string>
#include <string_view>

#include "upstream/http_transport.hpp"
#include "upstream/upstream_failure.hpp"

namespace regcache::upstream {

struct AttemptError {
  UpstreamFailure failure;
  bool retryable = false;
  bool made_progress = false;  // a blob attempt delivered bytes before it broke
};

// Retryable when the kind is unreachable, timeout or server_error.
AttemptError attempt_error(UpstreamFailure failure);

// For an outcome whose transfer failed (outcome.error set). `what` names the
// operation in the message ("manifest library/alpine:3.20").
AttemptError transport_error(const HttpOutcome& outcome, std::string_view upstream,
                             std::string_view what);

// For a complete answer with a status the operation does not accept:
// 403 denied, 404 not_found, 429 too_many_requests (Retry-After kept), 5xx
// server_error (retryable), 401 unauthorized, anything else protocol. The
// message includes the OCI error code and message from the body when present.
AttemptError status_error(const HttpOutcome& outcome, std::string_view upstream,
                          std::string_view what);

// "CODE: message" from an OCI error body, else a short printable excerpt.
std::string summarize_error_body(std::string_view body);

}  // namespace regcache::upstream
