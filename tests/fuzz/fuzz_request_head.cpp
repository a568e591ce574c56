// Fuzz target: a client's request head, as the server reads it. Beast's parser
// with regcache's limits, then everything regcache derives from the head: the
// real client behind trusted proxies, the route, the Range and conditional
// headers, and Basic credentials.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "access/basic_credentials.hpp"
#include "api/conditional_request.hpp"
#include "http/forwarded.hpp"
#include "registry/byte_range.hpp"
#include "registry/route.hpp"

namespace bhttp = boost::beast::http;
using namespace regcache;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const IpRangeSet trusted = *IpRangeSet::parse({"127.0.0.0/8", "::1", "10.0.0.0/8"});
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;

  const auto& request = parser.get();
  const auto origin =
      http::resolve_origin(boost::asio::ip::make_address("10.1.2.3"), false, request, trusted);
  if (origin.client.empty()) __builtin_trap();
  const auto routed = registry::parse_route(request.target());
  if (routed.ok) (void)registry::query_param(routed.route.query, "ns");
  const std::string_view digest =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
  const auto range = registry::parse_byte_range(request[bhttp::field::range], size);
  if (range.kind == registry::ByteRange::Kind::partial &&
      (range.first > range.last || range.last >= size)) {
    __builtin_trap();  // a satisfiable range must lie inside the content
  }
  (void)api::if_none_match_matches(request[bhttp::field::if_none_match], digest);
  (void)api::if_range_matches(request[bhttp::field::if_range], digest);
  (void)access::parse_basic_authorization(request[bhttp::field::authorization]);
  return 0;
}
