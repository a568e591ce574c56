#include "config/remote_url.hpp"

#include <algorithm>
#include <array>

#include "config/quote.hpp"
#include "config/url.hpp"

namespace regcache::config {
namespace {

bool is_docker_hub(const UrlParts& url) {
  constexpr std::array<std::string_view, 3> kHosts{"registry-1.docker.io", "docker.io",
                                                   "index.docker.io"};
  const bool hub_host = std::find(kHosts.begin(), kHosts.end(), url.host) != kHosts.end();
  const bool default_port = url.port.empty() || (url.scheme == "https" && url.port == "443") ||
                            (url.scheme == "http" && url.port == "80");
  return hub_host && default_port;
}

}  // namespace

Result<RemoteUrl, std::string> parse_remote_url(std::string_view text) {
  if (text.empty()) return fail(std::string("empty (expected e.g. https://registry-1.docker.io)"));
  auto parsed = parse_url(text);
  if (!parsed) return fail(std::move(parsed.error()));
  UrlParts& url = *parsed;
  if (url.scheme != "http" && url.scheme != "https") {
    return fail("unsupported scheme " + in_quotes(url.scheme) + " (use https:// or http://)");
  }
  if (url.has_userinfo) {
    return fail(std::string(
        "credentials in the URL are not supported (use proxy.username and proxy.password)"));
  }
  if (url.has_query || url.has_fragment) {
    return fail(std::string("must not have a query (?) or fragment (#)"));
  }
  std::string path = url.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path == "/v2" || path.ends_with("/v2")) {
    return fail(
        std::string("must not end in /v2 (give the registry's base URL, e.g. "
                    "https://registry-1.docker.io)"));
  }

  RemoteUrl out;
  out.url = url.scheme + "://" + url.host_port() + path;
  out.docker_hub = is_docker_hub(url);
  out.name = out.docker_hub ? "docker.io" : url.host_port();
  return out;
}

}  // namespace regcache::config
