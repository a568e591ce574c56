#include "api/cache_policy.hpp"

namespace regcache::api {
namespace {
constexpr long kYear = 31536000;
}

std::string CachePolicy::by_digest() const {
  return std::string(private_ ? "private" : "public") + ", max-age=" + std::to_string(kYear) +
         ", immutable";
}

std::string CachePolicy::by_tag() const {
  if (tag_max_age_.count() == 0) return private_ ? "private, no-cache" : "no-cache";
  return std::string(private_ ? "private" : "public") +
         ", max-age=" + std::to_string(tag_max_age_.count());
}

}  // namespace regcache::api
