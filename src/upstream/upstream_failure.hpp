#pragma once
#include <optional>
#include <string>

namespace regcache::upstream {

// Why an upstream operation did not succeed. The registry layer maps these to
// the client-facing error (e.g. too_many_requests -> 429 TOOMANYREQUESTS with
// the same Retry-After; unauthorized -> 401 UNAUTHORIZED naming the upstream).
enum class FailureKind {
  unreachable,        // DNS, connect, TLS or egress proxy failure
  timeout,            // connect timeout or a stalled transfer
  unauthorized,       // 401 after the token flow (bad credentials) or token endpoint refused
  denied,             // 403
  not_found,          // 404
  too_many_requests,  // 429
  server_error,       // 5xx after retries
  protocol,           // malformed answer (bad challenge, wrong size, missing digest, ...)
  aborted,            // the sink or the stop token ended the transfer
};

struct UpstreamFailure {
  FailureKind kind = FailureKind::protocol;
  long http_status = 0;  // 0 when no HTTP answer was received
  std::string message;   // human readable, safe to log (never contains credentials)
  std::optional<std::string> retry_after;  // Retry-After of a 429/503, as sent
};

const char* to_string(FailureKind kind);

}  // namespace regcache::upstream
