#include "api/conditional_request.hpp"

namespace regcache::api {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquoted(std::string_view tag) {
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    return tag.substr(1, tag.size() - 2);
  }
  return tag;
}

}  // namespace

bool if_none_match_matches(std::string_view header, std::string_view etag) {
  const auto wanted = unquoted(etag);
  while (true) {
    const auto comma = header.find(',');
    auto item = trim(header.substr(0, comma));
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison
    if (!item.empty() && unquoted(item) == wanted) return true;
    if (comma == std::string_view::npos) return false;
    header.remove_prefix(comma + 1);
  }
}

bool if_range_matches(std::string_view header, std::string_view etag) {
  header = trim(header);
  if (header.starts_with("W/")) return false;  // strong comparison only
  return !header.empty() && unquoted(header) == unquoted(etag);
}

}  // namespace regcache::api
