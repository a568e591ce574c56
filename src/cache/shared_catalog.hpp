#pragma once
// SharedCatalog: what the nodes sharing one content store tell each other about
// manifests, so a node serves an image another node cached without asking
// upstream: which manifest a tag points to (and when upstream last confirmed
// it) and each manifest's media type; and which manifests are pinned, so the
// collector of the bucket keeps them. Blobs need no entry: a blob in the store
// is served once a manifest of the repository references it.
//
// Blocking (worker threads). Failures only cost upstream requests: lookups
// answer nullopt and writes are best effort.

#include <cstdint>
#include <optional>
#include <string>

#include "registry/digest.hpp"

namespace regcache::cache {

struct SharedTag {
  registry::Digest digest;
  int64_t validated_at = 0;  // unix seconds
};

class SharedCatalog {
 public:
  virtual ~SharedCatalog() = default;
  virtual std::optional<SharedTag> tag(const std::string& upstream, const std::string& repository,
                                       const std::string& tag) = 0;
  virtual void put_tag(const std::string& upstream, const std::string& repository,
                       const std::string& tag, const SharedTag& value) = 0;
  virtual std::optional<std::string> manifest_type(const registry::Digest& digest) = 0;
  virtual void put_manifest_type(const registry::Digest& digest, const std::string& media_type) = 0;
  // An operator removed the tag or pin (regcache remove): the other nodes stop
  // importing it, and the bucket's garbage collection may take what it reached.
  virtual void remove_tag(const std::string& upstream, const std::string& repository,
                          const std::string& tag) = 0;
  virtual void remove_pin(const registry::Digest& digest) = 0;
  // A manifest pulled by digest while no tag reaches it: the bucket's garbage
  // collection keeps it (and what it references), as each node's own does.
  virtual void put_pin(const std::string& upstream, const std::string& repository,
                       const registry::Digest& digest) = 0;
};

}  // namespace regcache::cache
