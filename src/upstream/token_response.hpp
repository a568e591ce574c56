#pragma once
// The token endpoint's answer (Docker token authentication spec):
//   {"token": "...", "access_token": "...", "expires_in": 300, "issued_at": "2024-01-01T00:00:00Z"}
// `token` and `access_token` are synonyms; expires_in defaults to 60 seconds.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace regcache::upstream {

struct TokenGrant {
  std::string token;
  std::chrono::seconds expires_in{60};
  std::optional<std::chrono::system_clock::time_point> issued_at;
};

// nullopt when the body is not JSON or carries no token.
std::optional<TokenGrant> parse_token_response(std::string_view body);

// How long the grant is still valid at `now`: expires_in minus the age given
// by issued_at. issued_at is ignored when it is in the future or older than
// expires_in, since that says more about clock skew than about the token.
std::chrono::seconds remaining_lifetime(const TokenGrant& grant,
                                        std::chrono::system_clock::time_point now);

// RFC 3339 date-time ("2016-01-01T00:00:00Z", fractions and offsets allowed).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace regcache::upstream
