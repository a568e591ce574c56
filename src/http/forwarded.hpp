#pragma once
// Who sent a request, and how it reached the proxy in front, as far as the
// connection's peer can be believed. X-Forwarded-For, X-Real-IP,
// X-Forwarded-Proto and X-Forwarded-Host are honoured only when the peer is a
// trusted proxy (regcache.trusted_proxies); anyone else could write them.

#include <boost/asio/ip/address.hpp>
#include <string>

#include "http/beast.hpp"
#include "util/ip_range.hpp"

namespace regcache::http {

struct ForwardedOrigin {
  std::string client;      // the real client address (text, IPv4-mapped addresses unmapped)
  std::string scheme;      // "https" or "http", as the client used it
  std::string host;        // Host as the client sent it (may include a port); "" if none
  bool via_proxy = false;  // a trusted proxy's headers were used
};

// X-Forwarded-For is read right to left: the first address that is not a
// trusted proxy is the client (entries further left were written by the
// client itself and prove nothing). When every entry is trusted, the leftmost
// is taken. A malformed entry ends the walk at the last good address.
ForwardedOrigin resolve_origin(const boost::asio::ip::address& peer, bool tls,
                               const Request& request, const IpRangeSet& trusted_proxies);

}  // namespace regcache::http
