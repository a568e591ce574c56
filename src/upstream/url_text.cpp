#include "upstream/url_text.hpp"

namespace regcache::upstream {

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                      u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

std::string redact_url(std::string_view url, bool keep_query) {
  std::string out(url);
  auto scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    auto authority_begin = scheme_end + 3;
    auto authority_end = out.find_first_of("/?#", authority_begin);
    if (authority_end == std::string::npos) authority_end = out.size();
    auto at = out.rfind('@', authority_end - 1);
    if (at != std::string::npos && at >= authority_begin) {
      out.erase(authority_begin, at + 1 - authority_begin);
    }
  }
  if (!keep_query) {
    auto query = out.find_first_of("?#");
    if (query != std::string::npos) out.erase(query);
  }
  return out;
}

std::string url_authority(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto rest = url.substr(scheme_end + 3);
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(authority);
}

}  // namespace regcache::upstream
