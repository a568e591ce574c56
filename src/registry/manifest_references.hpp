#pragma once
// The digests a manifest refers to: its config and layers (image manifests),
// its child manifests (indexes, manifest lists), and `blobs` (artifacts).
// Malformed bodies refer to nothing.

#include <string_view>
#include <vector>

#include "registry/digest.hpp"

namespace regcache::registry {

std::vector<Digest> manifest_references(std::string_view body);
// Those of them that are manifests: the child manifests of an index or list.
std::vector<Digest> child_manifests(std::string_view body);

}  // namespace regcache::registry
