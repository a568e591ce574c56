// Fuzz target: request targets through the API router. Whatever it accepts
// must be a valid repository name and reference, so no path can escape the
// cache directory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/digest.hpp"
#include "registry/reference.hpp"
#include "registry/route.hpp"

using namespace regcache::registry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto routed = parse_route(target);
  if (!routed.ok) return 0;
  const auto& route = routed.route;
  (void)query_param(route.query, "ns");
  switch (route.kind) {
    case RouteKind::manifest:
    case RouteKind::blob:
    case RouteKind::tags_list:
    case RouteKind::blob_upload:
      // A registry host with a port may lead the name (`registry.local:5000/app`).
      if (!is_valid_mirrored_name(route.repository)) __builtin_trap();
      if (route.repository.find("..") != std::string::npos) __builtin_trap();
      break;
    default:
      break;
  }
  if (route.kind == RouteKind::blob && !Digest::parse(route.reference)) __builtin_trap();
  if (route.kind == RouteKind::manifest && !route.reference_is_digest &&
      !is_valid_tag(route.reference)) {
    __builtin_trap();
  }
  return 0;
}
