#include "upstream/attempt_error.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "upstream/curl_error.hpp"

namespace regcache::upstream {

AttemptError attempt_error(UpstreamFailure failure) {
  bool retryable = failure.kind == FailureKind::unreachable ||
                   failure.kind == FailureKind::timeout ||
                   failure.kind == FailureKind::server_error;
  return AttemptError{std::move(failure), retryable, false};
}

AttemptError transport_error(const HttpOutcome& outcome, std::string_view upstream,
                             std::string_view what) {
  UpstreamFailure failure;
  failure.http_status = outcome.head.status();
  if (outcome.head_over_limit) {
    failure.kind = FailureKind::protocol;
    failure.message =
        fmt::format("upstream {} sent oversized response headers for {}", upstream, what);
    return AttemptError{std::move(failure), false, false};
  }
  if (outcome.body_over_limit) {
    failure.kind = FailureKind::protocol;
    failure.message = fmt::format("upstream {} sent an oversized body for {}", upstream, what);
    return AttemptError{std::move(failure), false, false};
  }
  auto code = static_cast<CURLcode>(outcome.error.value());
  failure.kind = failure_kind_of(code);
  failure.message = fmt::format("upstream {}: {} failed: {}", upstream, what, outcome.error_detail);
  bool retryable = is_transient(code);
  return AttemptError{std::move(failure), retryable, false};
}

AttemptError status_error(const HttpOutcome& outcome, std::string_view upstream,
                          std::string_view what) {
  const long status = outcome.head.status();
  UpstreamFailure failure;
  failure.http_status = status;
  bool retryable = false;
  if (status == 401) {
    failure.kind = FailureKind::unauthorized;
  } else if (status == 403) {
    failure.kind = FailureKind::denied;
  } else if (status == 404) {
    failure.kind = FailureKind::not_found;
  } else if (status == 429) {
    failure.kind = FailureKind::too_many_requests;
    failure.retry_after = outcome.head.get("retry-after");
  } else if (status >= 500 && status <= 599) {
    failure.kind = FailureKind::server_error;
    failure.retry_after = outcome.head.get("retry-after");
    retryable = true;
  } else {
    failure.kind = FailureKind::protocol;
  }
  std::string detail = summarize_error_body(outcome.body);
  failure.message = fmt::format("upstream {} answered {} for {}{}{}", upstream, status, what,
                                detail.empty() ? "" : ": ", detail);
  return AttemptError{std::move(failure), retryable, false};
}

std::string summarize_error_body(std::string_view body) {
  constexpr size_t kMaxExcerpt = 200;
  if (body.empty()) return {};
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    auto errors = json.find("errors");
    if (errors != json.end() && errors->is_array() && !errors->empty() &&
        (*errors)[0].is_object()) {
      const auto& first = (*errors)[0];
      auto text = [&first](const char* key) {
        auto it = first.find(key);
        return it != first.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      std::string code = text("code");
      std::string message = text("message");
      if (!code.empty() || !message.empty()) {
        std::string out = code.empty() ? message : message.empty() ? code : code + ": " + message;
        return out.substr(0, kMaxExcerpt);
      }
    }
  }
  std::string excerpt;
  for (char c : body.substr(0, kMaxExcerpt)) {
    excerpt.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  while (!excerpt.empty() && excerpt.back() == ' ') excerpt.pop_back();
  return excerpt;
}

}  // namespace regcache::upstream
