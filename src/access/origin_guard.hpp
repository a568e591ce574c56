#pragma once
// OriginGuard: who may reach the origin at all (regcache.origin). A CDN in
// front proves itself with a shared-secret header (two secrets can be valid at
// once, for rotation; compared in constant time); address allow and deny lists
// apply to the real client address. Health paths have their own allow list
// and need no secret, so load balancers and probes can reach them.

#include <string>
#include <string_view>
#include <vector>

#include "config/access_config.hpp"
#include "http/beast.hpp"
#include "util/ip_range.hpp"

namespace regcache::access {

class OriginGuard {
 public:
  // The lists were validated when the configuration was loaded.
  explicit OriginGuard(const config::OriginConfig& config);

  bool is_health_path(std::string_view path) const;
  bool health_allowed(std::string_view client) const;
  // Deny wins over allow; an empty allow list allows every address.
  bool address_allowed(std::string_view client) const;
  bool checks_secret() const { return !secret_digests_.empty(); }
  // True when the request carries one of the secrets in the secret header.
  bool has_secret(const http::Request& request) const;

 private:
  std::string header_;
  std::vector<std::string> secret_digests_;  // SHA-256 of each secret: equal length compares
  IpRangeSet allow_;
  IpRangeSet deny_;
  std::vector<std::string> health_paths_;
  IpRangeSet health_allow_;
};

}  // namespace regcache::access
