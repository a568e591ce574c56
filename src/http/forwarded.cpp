#include "http/forwarded.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace regcache::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One X-Forwarded-For entry: "203.0.113.7", "2001:db8::1", "[2001:db8::1]:443"
// or "203.0.113.7:51000" (some load balancers add the port).
std::optional<ip::address> parse_entry(std::string_view entry) {
  entry = trim(entry);
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    entry = entry.substr(1, close - 1);
  } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
    entry = entry.substr(0, entry.find(':'));
  }
  auto parsed = parse_ip_address(entry);
  if (!parsed) return std::nullopt;
  return *parsed;
}

// Every comma-separated item of every field named `name`, in order.
std::vector<std::string_view> list_items(const Request& request, std::string_view name) {
  std::vector<std::string_view> items;
  auto [first, last] = request.equal_range(name);
  for (auto it = first; it != last; ++it) {
    std::string_view value = it->value();
    while (true) {
      const auto comma = value.find(',');
      items.push_back(trim(value.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return items;
}

bool is_host_text(std::string_view host) {
  return !host.empty() && host.size() <= 255 &&
         std::all_of(host.begin(), host.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' ||
                  c == '_';
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

ForwardedOrigin resolve_origin(const ip::address& peer, bool tls, const Request& request,
                               const IpRangeSet& trusted_proxies) {
  ForwardedOrigin origin;
  const ip::address direct = unmapped(peer);
  origin.client = direct.to_string();
  origin.scheme = tls ? "https" : "http";
  origin.host = std::string(request[bhttp::field::host]);
  if (!trusted_proxies.contains(direct)) return origin;

  auto forwarded_for = list_items(request, "X-Forwarded-For");
  std::optional<ip::address> client;
  for (auto it = forwarded_for.rbegin(); it != forwarded_for.rend(); ++it) {
    auto entry = parse_entry(*it);
    if (!entry) break;
    client = *entry;
    if (!trusted_proxies.contains(*entry)) break;
  }
  if (!client && forwarded_for.empty()) {
    if (auto real_ip = parse_entry(request["X-Real-IP"])) client = *real_ip;
  }
  if (client) {
    origin.client = client->to_string();
    origin.via_proxy = true;
  }

  const auto proto = list_items(request, "X-Forwarded-Proto");
  if (!proto.empty()) {
    const std::string scheme = lower(proto.front());
    if (scheme == "https" || scheme == "http") {
      origin.scheme = scheme;
      origin.via_proxy = true;
    }
  }
  const auto host = list_items(request, "X-Forwarded-Host");
  if (!host.empty() && is_host_text(host.front())) {
    origin.host = std::string(host.front());
    origin.via_proxy = true;
  }
  return origin;
}

}  // namespace regcache::http
