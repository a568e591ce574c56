#include "config/s3_config.hpp"

#include <fmt/format.h>

#include "config/byte_size.hpp"
#include "config/config_error.hpp"
#include "config/quote.hpp"

namespace regcache::config {
namespace {

std::string from_env(const std::map<std::string, std::string>& env,
                     std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto it = env.find(name); it != env.end() && !it->second.empty()) return it->second;
  }
  return {};
}

}  // namespace

std::optional<S3Config> read_s3_config(const Settings& settings,
                                       const std::map<std::string, std::string>& env) {
  const std::string prefix = "storage.s3.";
  auto first = settings.values.lower_bound(prefix);
  if (first == settings.values.end() || !first->first.starts_with(prefix)) {
    if (auto it = env.find("REGISTRY_STORAGE"); it != env.end() && it->second == "s3") {
      throw ConfigError(
          "environment REGISTRY_STORAGE: s3 needs storage.s3.bucket (REGISTRY_STORAGE_S3_BUCKET)");
    }
    return std::nullopt;
  }

  S3Config s3;
  const auto text = [&](const char* key, std::string& field) {
    if (const Setting* s = settings.find(prefix + key)) field = text_of(*s);
  };
  text("regionendpoint", s3.endpoint);
  text("region", s3.region);
  text("bucket", s3.bucket);
  text("accesskey", s3.access_key);
  text("secretkey", s3.secret_key);
  text("rootdirectory", s3.root_directory);
  if (const Setting* s = settings.find(prefix + "forcepathstyle")) s3.path_style = bool_of(*s);
  if (const Setting* s = settings.find(prefix + "chunksize")) {
    // S3 allows parts of 5 MiB to 5 GiB; registry:2's default is 10 MiB.
    s3.part_size = integer_of(*s, 5ull * 1024 * 1024, 5ull * 1024 * 1024 * 1024);
  }
  if (const Setting* s = settings.find("regcache.s3_local_cache.max_size")) {
    const std::string value = text_of(*s);
    if (value == "0") {
      s3.local_cache_bytes = 0;
    } else {
      auto parsed = parse_size_limit(value);
      if (!parsed) reject(*s, fmt::format("invalid size {}: {}", in_quotes(value), parsed.error()));
      s3.local_cache_bytes = parsed->bytes;
      s3.local_cache_percent = parsed->percent;
    }
  }
  if (const Setting* s = settings.find("storage.redirect.disable")) s3.redirect = !bool_of(*s);
  bool secure = true;
  if (const Setting* s = settings.find(prefix + "secure")) secure = bool_of(*s);

  if (s3.endpoint.empty()) s3.endpoint = from_env(env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (s3.region.empty()) s3.region = from_env(env, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s3.access_key.empty()) s3.access_key = from_env(env, {"AWS_ACCESS_KEY_ID"});
  if (s3.secret_key.empty()) s3.secret_key = from_env(env, {"AWS_SECRET_ACCESS_KEY"});

  const auto missing = [&](const char* key, const char* why) {
    throw ConfigError(fmt::format("storage.s3.{}: {}", key, why));
  };
  if (s3.bucket.empty()) missing("bucket", "required with storage.s3");
  if (s3.region.empty()) missing("region", "required (or set AWS_REGION)");
  if (s3.access_key.empty() != s3.secret_key.empty() || s3.access_key.empty()) {
    missing(
        "accesskey",
        "accesskey and secretkey are required (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  if (s3.endpoint.empty()) {
    // AWS itself: virtual-host style is what AWS recommends.
    s3.endpoint = fmt::format("https://s3.{}.amazonaws.com", s3.region);
  } else if (s3.endpoint.find("://") == std::string::npos) {
    s3.endpoint = (secure ? "https://" : "http://") + s3.endpoint;
  } else if (!s3.endpoint.starts_with("http://") && !s3.endpoint.starts_with("https://")) {
    missing("regionendpoint", "must be an http:// or https:// URL");
  }
  while (s3.endpoint.ends_with('/')) s3.endpoint.pop_back();
  return s3;
}

}  // namespace regcache::config
