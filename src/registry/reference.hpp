#pragma once
// Repository names and tags, validated against the OCI distribution spec grammar
// before anything touches disk or upstream.

#include <string_view>

namespace regcache::registry {

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 chars.
bool is_valid_repository_name(std::string_view name);

// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool is_valid_tag(std::string_view tag);

// A registry host as the first component of a name, as Docker's reference
// grammar writes it, in lower case: label(.label)*[:port], each label
// [a-z0-9]([a-z0-9-]*[a-z0-9])?, the port 1..65535.
bool is_valid_registry_host(std::string_view host);

// A name as a mirror receives it: a repository name, optionally prefixed by a
// registry host with a port (`registry.local:5000/app`), which a repository
// name alone cannot contain. (A host without a port is a valid component anyway.)
bool is_valid_mirrored_name(std::string_view name);

}  // namespace regcache::registry
