#pragma once
// Maps a request target to a distribution API route. The query string is split
// off first (containerd appends ?ns=<registry> to every request); the path is
// never percent-decoded: '%' is not part of any valid name, tag or digest.

#include <string>
#include <string_view>

#include "registry/registry_error.hpp"

namespace regcache::registry {

enum class RouteKind {
  base,         // /v2/
  manifest,     // /v2/<name>/manifests/<reference>
  blob,         // /v2/<name>/blobs/<digest>
  blob_upload,  // /v2/<name>/blobs/uploads/... (push: unsupported)
  tags_list,    // /v2/<name>/tags/list
  catalog,      // /v2/_catalog
  not_found,    // anything else
};

struct Route {
  RouteKind kind = RouteKind::not_found;
  std::string repository;  // as requested by the client
  std::string reference;   // tag or digest (manifest), digest (blob)
  std::string query;       // raw query string without '?'
  bool reference_is_digest = false;
};

// Either a route, or (for malformed names/references) an error to answer with.
struct RouteResult {
  Route route;
  bool ok = true;
  ErrorCode error = ErrorCode::name_invalid;
  std::string message;
};

RouteResult parse_route(std::string_view target);

// Value of `key` in a raw query string (no percent-decoding), or empty.
std::string query_param(std::string_view query, std::string_view key);

// A query value with %XX escapes and '+' decoded (containerd sends
// `ns=registry.local%3A5000`); malformed escapes are kept as written.
std::string percent_decode(std::string_view text);

}  // namespace regcache::registry
