#include "access/htpasswd.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace regcache::access {
namespace {

bool is_bcrypt(std::string_view hash) {
  // $2y$NN$ + 53 characters of salt and hash.
  return hash.size() == 60 &&
         (hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$2a$")) &&
         hash[6] == '$';
}

// A bcrypt hash of nothing in particular, used for unknown users.
constexpr std::string_view kDecoySalt = "$2y$10$abcdefghijklmnopqrstuu";

bool matches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof *data);
  const char* computed = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof *data);
  if (computed == nullptr || computed[0] == '*') return false;  // libxcrypt's failure token
  const size_t length = std::strlen(computed);
  return length == hash.size() && CRYPTO_memcmp(computed, hash.data(), length) == 0;
}

}  // namespace

Result<Htpasswd, std::string> Htpasswd::parse(std::string_view text, std::string_view source) {
  Htpasswd out;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = std::string(source) + ":" + std::to_string(number) + ": ";
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(where + "expected user:hash");
    }
    const std::string user(line.substr(0, colon));
    std::string_view hash = line.substr(colon + 1);
    while (!hash.empty() && (hash.back() == ' ' || hash.back() == '\t')) hash.remove_suffix(1);
    if (!is_bcrypt(hash)) {
      return fail(where + "user \"" + user +
                  "\": only bcrypt hashes are supported (create them with htpasswd -B)");
    }
    if (!out.users_.emplace(user, std::string(hash)).second) {
      return fail(where + "user \"" + user + "\" appears twice");
    }
    if (out.decoy_.empty())
      out.decoy_ = std::string(hash.substr(0, 7)) + std::string(kDecoySalt.substr(7));
  }
  if (out.decoy_.empty()) out.decoy_ = std::string(kDecoySalt);
  return out;
}

Result<Htpasswd, std::string> Htpasswd::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(file.string() + ": cannot read the htpasswd file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string());
}

bool Htpasswd::verify(const std::string& user, const std::string& password) const {
  const auto it = users_.find(user);
  if (it == users_.end()) {
    matches(password, decoy_);  // same work as for a known user
    return false;
  }
  return matches(password, it->second);
}

}  // namespace regcache::access
