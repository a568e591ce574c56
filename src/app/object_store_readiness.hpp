#pragma once
// The "object_store" line of /readyz with content on S3: reachable, or since
// when and why not. It never makes the node unready: the node still serves its
// local copies and streams new pulls from upstream, and taking every node of a
// bucket out of the load balancer at once would only make things worse.

#include "lifecycle/content_backend.hpp"
#include "ops/readiness.hpp"

namespace regcache::app {

void add_object_store_check(ops::Readiness& readiness, lifecycle::ContentBackend& backend);

}  // namespace regcache::app
