#include "upstream/upstream_failure.hpp"

namespace regcache::upstream {

const char* to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::unreachable:
      return "unreachable";
    case FailureKind::timeout:
      return "timeout";
    case FailureKind::unauthorized:
      return "unauthorized";
    case FailureKind::denied:
      return "denied";
    case FailureKind::not_found:
      return "not_found";
    case FailureKind::too_many_requests:
      return "too_many_requests";
    case FailureKind::server_error:
      return "server_error";
    case FailureKind::protocol:
      return "protocol";
    case FailureKind::aborted:
      return "aborted";
  }
  return "unknown";
}

}  // namespace regcache::upstream
