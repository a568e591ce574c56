#include "registry/route.hpp"

#include "registry/digest.hpp"
#include "registry/reference.hpp"

namespace regcache::registry {
namespace {

RouteResult failure(ErrorCode code, std::string message) {
  RouteResult r;
  r.ok = false;
  r.error = code;
  r.message = std::move(message);
  return r;
}

// Splits "<name>/<marker><rest>" at the last occurrence of marker.
bool split_at(std::string_view path, std::string_view marker, std::string_view& name,
              std::string_view& rest) {
  auto pos = path.rfind(marker);
  if (pos == std::string_view::npos || pos == 0) return false;
  name = path.substr(0, pos);
  rest = path.substr(pos + marker.size());
  return true;
}

}  // namespace

std::string query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string percent_decode(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

RouteResult parse_route(std::string_view target) {
  RouteResult result;
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  if (qpos != std::string_view::npos) result.route.query = std::string(target.substr(qpos + 1));

  constexpr std::string_view kPrefix = "/v2/";
  if (path == "/v2" || path == kPrefix) {
    result.route.kind = RouteKind::base;
    return result;
  }
  if (path.substr(0, kPrefix.size()) != kPrefix) return result;  // not_found
  path.remove_prefix(kPrefix.size());
  if (path == "_catalog") {
    result.route.kind = RouteKind::catalog;
    return result;
  }

  std::string_view name, rest;
  RouteKind kind;
  if (split_at(path, "/blobs/uploads", name, rest) && (rest.empty() || rest.front() == '/')) {
    kind = RouteKind::blob_upload;
  } else if (split_at(path, "/manifests/", name, rest)) {
    kind = RouteKind::manifest;
  } else if (split_at(path, "/blobs/", name, rest)) {
    kind = RouteKind::blob;
  } else if (split_at(path, "/tags/list", name, rest) && rest.empty()) {
    kind = RouteKind::tags_list;
  } else {
    return result;  // not_found
  }

  if (!is_valid_mirrored_name(name)) {
    return failure(ErrorCode::name_invalid, "invalid repository name");
  }
  result.route.repository = std::string(name);
  result.route.kind = kind;

  switch (kind) {
    case RouteKind::manifest:
      if (Digest::parse(rest)) {
        result.route.reference_is_digest = true;
      } else if (looks_like_digest(rest)) {
        return failure(ErrorCode::digest_invalid, "unsupported or malformed digest");
      } else if (!is_valid_tag(rest)) {
        return failure(ErrorCode::tag_invalid, "invalid tag");
      }
      result.route.reference = std::string(rest);
      break;
    case RouteKind::blob:
      if (!Digest::parse(rest)) {
        return failure(ErrorCode::digest_invalid, "invalid digest");
      }
      result.route.reference = std::string(rest);
      result.route.reference_is_digest = true;
      break;
    default:
      break;
  }
  return result;
}

}  // namespace regcache::registry
