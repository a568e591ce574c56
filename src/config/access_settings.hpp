#pragma once
// Reading the settings for serving on the public internet (see access_config.hpp)
// and the TLS details: http.tls.minimumtls, regcache.tls.*, regcache.trusted_proxies,
// auth.htpasswd, regcache.auth, regcache.cdn, regcache.origin, regcache.limits.

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/settings.hpp"

namespace regcache::config {

// Fills config.http.tls (beyond certificate/key) and config.access; throws
// ConfigError naming the setting on an invalid value or combination.
void read_access_settings(const Settings& settings, Config& config,
                          std::vector<std::string>& warnings);

}  // namespace regcache::config
