#pragma once
// Htpasswd: the users of registry:2's `auth.htpasswd` file, one "user:hash"
// per line as `htpasswd -B` writes them. Only bcrypt hashes ($2y$, $2b$, $2a$)
// are accepted, as in registry:2; verification uses libcrypt (libxcrypt).

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/result.hpp"

namespace regcache::access {

class Htpasswd {
 public:
  // Fails with "<file>:<line>: <reason>" (never echoing a hash or password).
  static Result<Htpasswd, std::string> load(const std::filesystem::path& file);
  static Result<Htpasswd, std::string> parse(std::string_view text, std::string_view source);

  // bcrypt is slow by design (tens of milliseconds): call it off the I/O
  // threads. An unknown user costs the same as a wrong password, so timing
  // does not tell which users exist.
  bool verify(const std::string& user, const std::string& password) const;
  size_t size() const { return users_.size(); }

 private:
  std::unordered_map<std::string, std::string> users_;  // user -> bcrypt hash
  std::string decoy_;  // a hash of the file's cost, checked for unknown users
};

}  // namespace regcache::access
