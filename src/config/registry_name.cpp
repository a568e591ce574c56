#include "config/registry_name.hpp"

#include <cctype>

#include "config/url.hpp"

namespace regcache::config {
namespace {

bool is_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Result<std::string, std::string> parse_registry_name(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view reason =
      "must be a registry host name such as ghcr.io or registry.example.com:5000 (letters, "
      "digits, '-' and '.', with an optional :port)";
  if (name.find("://") != std::string::npos) {
    return fail(std::string("must be a host name, not a URL (give the URL as remoteurl)"));
  }
  if (name.empty() || name.size() > 253 + 6 || name.find('/') != std::string::npos) {
    return fail(std::string(reason));
  }
  std::string_view host = name;
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    uint16_t port = 0;
    if (!parse_port(host.substr(colon + 1), /*allow_zero=*/false, port)) {
      return fail(std::string("the port must be a number 1..65535"));
    }
    host = host.substr(0, colon);
  }
  size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    if (!is_label(host.substr(start, dot == std::string_view::npos ? host.npos : dot - start))) {
      return fail(std::string(reason));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return name;
}

}  // namespace regcache::config
