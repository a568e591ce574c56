#include "clientconfig/mirror_endpoint.hpp"

#include "config/quote.hpp"
#include "config/url.hpp"

namespace regcache::clientconfig {

Result<MirrorEndpoint, std::string> parse_mirror_endpoint(std::string_view text) {
  if (text.empty())
    return fail(std::string("empty (expected e.g. http://mirror.example.com:5000)"));
  auto parsed = config::parse_url(text);
  if (!parsed) return fail(std::move(parsed.error()));
  const config::UrlParts& url = *parsed;
  if (url.scheme != "http" && url.scheme != "https") {
    return fail("unsupported scheme " + config::in_quotes(url.scheme) +
                " (use http:// or https://)");
  }
  if (url.has_userinfo) return fail(std::string("must not contain credentials"));
  if (url.has_query || url.has_fragment) {
    return fail(std::string("must not have a query (?) or fragment (#)"));
  }
  if (!url.path.empty() && url.path != "/") {
    return fail(std::string(
        "must not have a path: runtimes add /v2/ themselves (Docker refuses mirror URLs with a "
        "path)"));
  }
  MirrorEndpoint out;
  out.host_port = url.host_port();
  out.url = url.scheme + "://" + out.host_port;
  out.plain_http = url.scheme == "http";
  return out;
}

}  // namespace regcache::clientconfig
