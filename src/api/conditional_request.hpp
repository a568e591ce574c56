#pragma once
// Conditional request headers for content with a strong ETag ("\"sha256:...\"",
// the digest in quotes), as RFC 9110 §13 defines them:
//  - If-None-Match: a list of entity tags or "*", compared weakly; a match
//    means 304 Not Modified for GET and HEAD;
//  - If-Range: one entity tag compared strongly (a date never matches: regcache
//    sends no Last-Modified); no match means the Range is ignored and the whole
//    content is sent with 200.
// A bare digest without quotes is accepted as the tag too (some clients send it).

#include <string_view>

namespace regcache::api {

bool if_none_match_matches(std::string_view header, std::string_view etag);
bool if_range_matches(std::string_view header, std::string_view etag);

}  // namespace regcache::api
