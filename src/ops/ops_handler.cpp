#include "ops/ops_handler.hpp"

#include "metrics/exposition.hpp"
#include "ops/status_page.hpp"
#include "ops/status_snapshot.hpp"

namespace regcache::ops {

namespace bhttp = http::bhttp;

namespace {

bhttp::response<bhttp::string_body> answer(unsigned status, const char* content_type,
                                           std::string body) {
  bhttp::response<bhttp::string_body> response;
  response.result(status);
  response.set(bhttp::field::content_type, content_type);
  response.set(bhttp::field::cache_control, "no-store");
  response.set(bhttp::field::server, "regcache");
  response.body() = std::move(body);
  return response;
}

}  // namespace

OpsHandler::OpsHandler(Telemetry& telemetry, Readiness& readiness, http::RequestHandler* next,
                       Endpoints endpoints)
    : telemetry_(telemetry), readiness_(readiness), next_(next), endpoints_(endpoints) {}

bhttp::response<bhttp::string_body> OpsHandler::reject(unsigned status, std::string message) {
  if (next_ != nullptr) return next_->reject(status, std::move(message));
  return answer(status, "text/plain; charset=utf-8", std::move(message) + "\n");
}

asio::awaitable<void> OpsHandler::handle(const http::RequestContext& context,
                                         http::ResponseWriter& writer) {
  const auto& request = context.request;
  const bool readonly =
      request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  std::string_view path = request.target();
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  const bool all = endpoints_ == Endpoints::all;

  if (readonly && path == "/healthz") {
    context.note.route = "healthz";
    co_await writer.send(answer(200, "text/plain; charset=utf-8", "ok\n"));
    co_return;
  }
  if (readonly && path == "/readyz") {
    context.note.route = "readyz";
    auto report = readiness_.report();
    co_await writer.send(answer(report.ready ? 200 : 503, "application/json", to_json(report)));
    co_return;
  }
  if (readonly && all && path == "/metrics") {
    context.note.route = "metrics";
    co_await writer.send(
        answer(200, metrics::kExpositionContentType, telemetry_.registry().expose()));
    co_return;
  }
  if (readonly && all && (path == "/" || path == "/index.html")) {
    context.note.route = "status";
    co_await writer.send(
        answer(200, "text/html; charset=utf-8", render_status_page(take_status(telemetry_))));
    co_return;
  }
  if (readonly && all && path == "/status.json") {
    context.note.route = "status";
    co_await writer.send(answer(200, "application/json", to_json(take_status(telemetry_))));
    co_return;
  }
  if (next_ != nullptr) {
    co_await next_->handle(context, writer);
    co_return;
  }
  co_await writer.send(answer(404, "text/plain; charset=utf-8",
                              "not found: this listener serves /metrics, /healthz, /readyz, "
                              "/status.json and the status page at /\n"));
}

}  // namespace regcache::ops
