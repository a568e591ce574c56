#pragma once
// redis.*: Redis coordinating the nodes that share one storage.s3 bucket, with
// registry:2's key names (addr, password, db, dialtimeout, readtimeout,
// writetimeout), plus regcache.fetch_lease.

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/settings.hpp"

namespace regcache::config {

// nullopt when redis.addr is not set. Throws ConfigError naming the key and why.
// Redis without storage.s3 has nothing to coordinate: a warning says so.
std::optional<RedisConfig> read_redis_config(const Settings& settings, bool shared_storage,
                                             std::vector<std::string>& warnings);

}  // namespace regcache::config
