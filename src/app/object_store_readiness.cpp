#include "app/object_store_readiness.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace regcache::app {

void add_object_store_check(ops::Readiness& readiness, lifecycle::ContentBackend& backend) {
  auto* s3 = backend.s3();
  if (s3 == nullptr) return;
  readiness.add_check([&health = s3->client().health()] {
    const auto state = health.state();
    if (state.reachable) return ops::ReadinessCheck{"object_store", true, "reachable"};
    return ops::ReadinessCheck{
        "object_store", true,
        fmt::format("unreachable since {:%Y-%m-%dT%H:%M:%SZ} ({}): local copies are served, new "
                    "pulls stream from upstream",
                    fmt::gmtime(static_cast<std::time_t>(state.since)), state.reason)};
  });
}

}  // namespace regcache::app
