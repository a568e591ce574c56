#pragma once
// Repository names and tags, validated against the OCI distribution spec grammar
// before anything touches disk or upstream.

#include <string_view>

namespace regcache::registry {

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 chars.
bool is_valid_repository_name(std::string_view name);

// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool is_valid_tag(std::string_view tag);

}  // namespace regcache::registry
