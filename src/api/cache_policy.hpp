#pragma once
// CachePolicy: the Cache-Control of each kind of answer, chosen so that a CDN
// or any shared cache in front needs no path rules:
//  - content addressed by digest never changes: cached for a year, immutable;
//  - a manifest fetched by tag can move: cached for tag_max_age only (and the
//    answer depends on Accept, see Vary);
//  - errors, auth challenges, /v2/ and tag lists: never stored.
// When clients must authenticate, content is `private`: a shared cache must
// not hand one client's authorised answer to another.

#include <chrono>
#include <string>

namespace regcache::api {

class CachePolicy {
 public:
  CachePolicy() = default;
  CachePolicy(std::chrono::seconds tag_max_age, bool private_content)
      : tag_max_age_(tag_max_age), private_(private_content) {}

  std::string by_digest() const;
  std::string by_tag() const;
  static constexpr const char* kNoStore = "no-store";

 private:
  std::chrono::seconds tag_max_age_{60};
  bool private_ = false;
};

}  // namespace regcache::api
