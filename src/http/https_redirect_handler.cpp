#include "http/https_redirect_handler.hpp"

#include <algorithm>
#include <cctype>

namespace regcache::http {
namespace {

bool is_name_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c == '_'; }

// The host part of a Host header, without the port; "" when malformed.
std::string_view host_only(std::string_view host) {
  if (host.starts_with('[')) {  // [v6]:port
    const auto close = host.find(']');
    if (close == std::string_view::npos) return {};
    const auto inside = host.substr(1, close - 1);
    const bool hex =
        !inside.empty() && std::all_of(inside.begin(), inside.end(), [](unsigned char c) {
          return std::isxdigit(c) || c == ':' || c == '.';
        });
    return hex ? host.substr(0, close + 1) : std::string_view{};
  }
  host = host.substr(0, host.find(':'));
  const bool name =
      !host.empty() && host.size() <= 253 &&
      std::all_of(host.begin(), host.end(), [](unsigned char c) { return is_name_char(c); });
  return name ? host : std::string_view{};
}

}  // namespace

std::string HttpsRedirectHandler::location(std::string_view host, std::string_view target) const {
  const auto name = host_only(host);
  if (name.empty() || !target.starts_with('/')) return {};
  std::string url = "https://";
  url.append(name);
  if (https_port_ != 443) {
    url += ':';
    url += std::to_string(https_port_);
  }
  url += target;
  return url;
}

bhttp::response<bhttp::string_body> HttpsRedirectHandler::reject(unsigned status,
                                                                 std::string message) {
  bhttp::response<bhttp::string_body> response;
  response.result(status);
  response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  response.set(bhttp::field::cache_control, "no-store");
  response.set(bhttp::field::server, "regcache");
  response.body() = std::move(message) + "\n";
  return response;
}

asio::awaitable<void> HttpsRedirectHandler::handle(const RequestContext& context,
                                                   ResponseWriter& writer) {
  const auto& request = context.request;
  const std::string url = location(context.host, request.target());
  if (url.empty()) {
    co_await writer.send(reject(400,
                                "a Host header naming this server is needed to redirect "
                                "to https"));
    co_return;
  }
  const bool safe = request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  auto response = reject(safe ? 301 : 308, "this mirror is served over https: " + url);
  response.set(bhttp::field::location, url);
  // A permanent redirect may be cached; an hour is enough to notice a change.
  response.set(bhttp::field::cache_control, "max-age=3600");
  co_await writer.send(std::move(response));
}

}  // namespace regcache::http
