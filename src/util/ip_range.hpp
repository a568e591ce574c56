#pragma once
// IP address ranges in CIDR notation ("10.0.0.0/8", "2001:db8::/32", or a
// single address), for allow and deny lists and trusted proxies. An
// IPv4-mapped IPv6 address (::ffff:10.1.2.3, what a dual-stack socket reports
// for an IPv4 client) is treated as the IPv4 address it carries.

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace regcache {

// `address` with an IPv4-mapped IPv6 address turned into IPv4.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

// Parses an IPv4 or IPv6 address (IPv6 without brackets); nullopt-like failure
// with a short reason.
Result<boost::asio::ip::address, std::string> parse_ip_address(std::string_view text);

// The key per-client limits count under: an IPv4 address as is, an IPv6
// address by its /64 (one subscriber's usual allocation, so rotating through
// its addresses does not multiply a client's allowance). Text that is not an
// address is returned unchanged.
std::string client_key(std::string_view address);

class IpRange {
 public:
  // "a.b.c.d/n", "x:y::/n" or a single address (a /32 or /128). Host bits set
  // below the prefix are an error ("10.0.0.1/8" is almost always a typo).
  static Result<IpRange, std::string> parse(std::string_view text);

  bool contains(const boost::asio::ip::address& address) const;
  std::string str() const;

 private:
  IpRange(boost::asio::ip::address network, unsigned prefix) : network_(network), prefix_(prefix) {}
  boost::asio::ip::address network_;
  unsigned prefix_ = 0;
};

class IpRangeSet {
 public:
  IpRangeSet() = default;
  // Every entry must parse; the error names the first bad one.
  static Result<IpRangeSet, std::string> parse(const std::vector<std::string>& texts);

  bool contains(const boost::asio::ip::address& address) const;
  // Same, for an address in text form; false when it does not parse.
  bool contains(std::string_view address) const;
  bool empty() const { return ranges_.empty(); }
  size_t size() const { return ranges_.size(); }

 private:
  std::vector<IpRange> ranges_;
};

}  // namespace regcache
