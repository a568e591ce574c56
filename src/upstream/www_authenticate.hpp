#pragma once
// Parser for WWW-Authenticate (RFC 7235 challenges), as registries send them:
//   Bearer
//   realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"
//   Basic realm="Registry Realm"
// A header may hold several challenges separated by commas; quoted values may
// contain commas, '=' and backslash escapes; spacing around ',' and '=' varies.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace regcache::upstream {

struct AuthChallenge {
  enum class Scheme { bearer, basic, other };
  Scheme scheme = Scheme::other;
  std::string scheme_name;  // as sent
  // Parameter names in lower case (they are case-insensitive), values unquoted.
  std::vector<std::pair<std::string, std::string>> params;

  std::string param(std::string_view name) const;  // "" when absent
  std::string realm() const { return param("realm"); }
  std::string service() const { return param("service"); }
  std::string scope() const { return param("scope"); }
};

// Every challenge in one header value, in order; nullopt when the value is
// malformed (unterminated quoted string, a parameter before any scheme, a
// stray character where a token is expected).
std::optional<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view value);

}  // namespace regcache::upstream
