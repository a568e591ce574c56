#pragma once
// The name an upstream registry is known by: the host part of an image
// reference ("ghcr.io", "registry.example.com:5000"). It is matched against the
// first path component (`/v2/ghcr.io/owner/app/...`), containerd's `ns`
// parameter and the Host header, so the grammar is the strict one of Docker's
// reference domain, in lower case.

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace regcache::config {

// `text` lower-cased if it is `label(.label)*[:port]`, each label
// [a-z0-9]([a-z0-9-]*[a-z0-9])?, the port 1..65535. Fails with a short reason
// (the text is short and never secret, but callers quote it themselves).
Result<std::string, std::string> parse_registry_name(std::string_view text);

}  // namespace regcache::config
