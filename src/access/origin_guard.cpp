#include "access/origin_guard.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "util/sha256.hpp"

namespace regcache::access {
namespace {

IpRangeSet ranges(const std::vector<std::string>& texts) {
  auto parsed = IpRangeSet::parse(texts);
  return parsed ? std::move(parsed.value()) : IpRangeSet{};
}

}  // namespace

OriginGuard::OriginGuard(const config::OriginConfig& config)
    : header_(config.secret_header),
      allow_(ranges(config.allow)),
      deny_(ranges(config.deny)),
      health_paths_(config.health_paths),
      health_allow_(ranges(config.health_allow)) {
  for (const auto& secret : config.secrets) secret_digests_.push_back(Sha256::hex_of(secret));
}

bool OriginGuard::is_health_path(std::string_view path) const {
  return std::find(health_paths_.begin(), health_paths_.end(), path) != health_paths_.end();
}

bool OriginGuard::health_allowed(std::string_view client) const {
  return health_allow_.empty() || health_allow_.contains(client);
}

bool OriginGuard::address_allowed(std::string_view client) const {
  if (deny_.contains(client)) return false;
  return allow_.empty() || allow_.contains(client);
}

bool OriginGuard::has_secret(const http::Request& request) const {
  const auto it = request.find(header_);
  if (it == request.end()) return false;
  // Hashing first makes every comparison the same length, so neither the
  // secret's length nor its prefix shows in the timing; every secret is checked.
  const std::string offered = Sha256::hex_of(it->value());
  bool match = false;
  for (const auto& digest : secret_digests_) {
    match |= CRYPTO_memcmp(offered.data(), digest.data(), digest.size()) == 0;
  }
  return match;
}

}  // namespace regcache::access
