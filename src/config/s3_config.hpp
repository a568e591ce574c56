#pragma once
// storage.s3: content on an S3 bucket, with registry:2's key names
// (regionendpoint, region, bucket, accesskey, secretkey, rootdirectory,
// forcepathstyle, secure, chunksize), completed from the usual AWS_* variables.

#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/settings.hpp"

namespace regcache::config {

// nullopt when no storage.s3 key is set. Throws ConfigError naming the key and
// why (missing bucket, region or credentials, bad endpoint, part size).
std::optional<S3Config> read_s3_config(const Settings& settings,
                                       const std::map<std::string, std::string>& env);

}  // namespace regcache::config
