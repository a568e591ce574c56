#pragma once
// Headers every regcache answer carries, and the error answer in the spec's
// JSON format.

#include <string>
#include <utility>
#include <vector>

#include "api/cache_policy.hpp"
#include "http/beast.hpp"
#include "registry/registry_error.hpp"

namespace regcache::api {

class ResponseHeaders {
 public:
  // `extra`: registry:2's http.headers (name, values).
  explicit ResponseHeaders(std::vector<std::pair<std::string, std::vector<std::string>>> extra)
      : extra_(std::move(extra)) {}

  template <class Body>
  void apply(http::bhttp::response<Body>& response) const {
    response.set("Docker-Distribution-API-Version", "registry/2.0");
    response.set(http::bhttp::field::server, "regcache");
    for (const auto& [name, values] : extra_) {
      for (const auto& value : values) response.insert(name, value);
    }
  }

  http::bhttp::response<http::bhttp::string_body> error(registry::ErrorCode code,
                                                        const std::string& message,
                                                        unsigned status_override = 0) const;

  // Cache-Control for content (regcache.cdn.tag_max_age, private under auth).
  void use_cache_policy(CachePolicy policy) { cache_policy_ = policy; }
  const CachePolicy& cache_policy() const { return cache_policy_; }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> extra_;
  CachePolicy cache_policy_;
};

}  // namespace regcache::api
