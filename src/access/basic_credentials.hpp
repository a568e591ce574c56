#pragma once
// The credentials of an `Authorization: Basic <base64(user:password)>` header,
// as `docker login` sends them (RFC 7617).

#include <optional>
#include <string>
#include <string_view>

namespace regcache::access {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// nullopt for another scheme, bad base64, or no ':' after the user name.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

}  // namespace regcache::access
