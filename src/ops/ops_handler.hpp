#pragma once
// OpsHandler: the operator endpoints, in front of the registry API:
//   GET /healthz      200 "ok" while the process serves requests (liveness)
//   GET /readyz       200 or 503 with a JSON report (see Readiness)
//   GET /metrics      Prometheus text exposition
//   GET /             the status page (HTML)
//   GET /status.json  the status page's numbers
// None of these collide with the registry API, which lives under /v2/.
// Everything else goes to `next` (the registry API on the main listener;
// null on the admin listener, which answers 404).

#include "http/request_handler.hpp"
#include "ops/readiness.hpp"
#include "ops/telemetry.hpp"

namespace regcache::ops {

class OpsHandler final : public http::RequestHandler {
 public:
  enum class Endpoints {
    all,         // health, metrics and status page
    probes_only  // /healthz and /readyz (main listener when an admin listener is configured)
  };

  OpsHandler(Telemetry& telemetry, Readiness& readiness, http::RequestHandler* next,
             Endpoints endpoints);

  asio::awaitable<void> handle(const http::RequestContext& context,
                               http::ResponseWriter& writer) override;
  http::bhttp::response<http::bhttp::string_body> reject(unsigned status,
                                                         std::string message) override;

 private:
  Telemetry& telemetry_;
  Readiness& readiness_;
  http::RequestHandler* next_;
  Endpoints endpoints_;
};

}  // namespace regcache::ops
