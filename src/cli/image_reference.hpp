#pragma once
// ImageReference: an image as users write it for prefetch:
//   alpine  alpine:3.20  library/alpine@sha256:...  docker.io/library/alpine:3.20
//   ghcr.io/org/app:1    registry.local:5000/team/app@sha256:...
// A first component with a '.' or ':' (or "localhost") names the registry; it
// is passed to the mirror as containerd's ?ns= parameter, which selects the
// upstream when the mirror has several. No tag and no digest means "latest".

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace regcache::cli {

struct ImageReference {
  std::string registry;    // empty: the mirror's default upstream
  std::string repository;  // as the client writes it (the mirror applies library/)
  std::string reference;   // tag or digest
  bool by_digest = false;

  std::string manifest_path() const;  // /v2/<repository>/manifests/<reference>[?ns=]
  std::string blob_path(std::string_view digest) const;
  std::string text() const;  // as parsed, normalised
};

Result<ImageReference, std::string> parse_image_reference(std::string_view text);

}  // namespace regcache::cli
