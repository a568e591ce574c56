#include "util/ip_range.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace regcache {

namespace ip = boost::asio::ip;

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

Result<ip::address, std::string> parse_ip_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return fail(std::string("not an IP address"));
  // Zone ids ("fe80::1%eth0") name an interface, not a range of clients.
  if (address.is_v6() && address.to_v6().scope_id() != 0) {
    return fail(std::string("IPv6 zone ids are not supported"));
  }
  return unmapped(address);
}

std::string client_key(std::string_view text) {
  auto address = parse_ip_address(text);
  if (!address) return std::string(text);
  if (address->is_v4()) return address->to_string();
  auto bytes = address->to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::make_address_v6(bytes).to_string() + "/64";
}

namespace {

template <size_t N>
bool prefix_matches(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                    unsigned prefix) {
  const unsigned full = prefix / 8;
  if (!std::equal(a.begin(), a.begin() + full, b.begin())) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

template <size_t N>
bool host_bits_clear(const std::array<unsigned char, N>& bytes, unsigned prefix) {
  std::array<unsigned char, N> masked = bytes;
  for (unsigned bit = prefix; bit < N * 8; ++bit) {
    masked[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
  }
  return masked == bytes;
}

}  // namespace

Result<IpRange, std::string> IpRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = parse_ip_address(text.substr(0, slash));
  if (!address) return fail(address.error());
  const unsigned bits = address->is_v4() ? 32 : 128;
  unsigned prefix = bits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix > bits) {
      return fail("the prefix length must be a number from 0 to " + std::to_string(bits));
    }
  }
  const bool clean = address->is_v4() ? host_bits_clear(address->to_v4().to_bytes(), prefix)
                                      : host_bits_clear(address->to_v6().to_bytes(), prefix);
  if (!clean) return fail(std::string("address bits are set beyond the prefix length"));
  return IpRange(*address, prefix);
}

bool IpRange::contains(const ip::address& candidate) const {
  const auto address = unmapped(candidate);
  if (address.is_v4() != network_.is_v4()) return false;
  if (address.is_v4()) {
    return prefix_matches(address.to_v4().to_bytes(), network_.to_v4().to_bytes(), prefix_);
  }
  return prefix_matches(address.to_v6().to_bytes(), network_.to_v6().to_bytes(), prefix_);
}

std::string IpRange::str() const { return network_.to_string() + "/" + std::to_string(prefix_); }

Result<IpRangeSet, std::string> IpRangeSet::parse(const std::vector<std::string>& texts) {
  IpRangeSet set;
  for (const auto& text : texts) {
    auto range = IpRange::parse(text);
    if (!range) return fail("\"" + text + "\": " + range.error());
    set.ranges_.push_back(*range);
  }
  return set;
}

bool IpRangeSet::contains(const ip::address& address) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const IpRange& range) { return range.contains(address); });
}

bool IpRangeSet::contains(std::string_view address) const {
  auto parsed = parse_ip_address(address);
  return parsed && contains(*parsed);
}

}  // namespace regcache
