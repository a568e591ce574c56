#include "storage/s3_presign.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <string_view>

#include "storage/s3_client.hpp"
#include "util/sha256.hpp"

namespace regcache::storage {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string utc(std::chrono::system_clock::time_point when, const char* format) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

// Each path segment URI-encoded once, the slashes kept (S3 does not normalise).
std::string canonical_path(std::string_view path) {
  std::string out;
  size_t at = 0;
  while (at <= path.size()) {
    auto slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    out += s3_uri_encode(path.substr(at, slash - at));
    if (slash < path.size()) out += '/';
    at = slash + 1;
  }
  return out;
}

}  // namespace

std::string presign_get(const S3Settings& settings, const std::string& object_url,
                        std::chrono::seconds expires, std::chrono::system_clock::time_point now) {
  const auto scheme_end = object_url.find("://");
  const auto host_at = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto path_at = object_url.find('/', host_at);
  const std::string host = object_url.substr(host_at, path_at - host_at);
  const std::string path =
      path_at == std::string::npos ? "/" : canonical_path(object_url.substr(path_at));

  const std::string datetime = utc(now, "%Y%m%dT%H%M%SZ");
  const std::string date = datetime.substr(0, 8);
  const std::string scope = date + "/" + settings.region + "/s3/aws4_request";
  // Sorted by name, as the canonical request needs them.
  const std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                            s3_uri_encode(settings.access_key + "/" + scope) +
                            "&X-Amz-Date=" + datetime +
                            "&X-Amz-Expires=" + std::to_string(expires.count()) +
                            "&X-Amz-SignedHeaders=host";
  const std::string canonical_request =
      "GET\n" + path + "\n" + query + "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + datetime + "\n" + scope + "\n" +
                                     Sha256::hex_of(canonical_request);
  std::string key = hmac_sha256("AWS4" + settings.secret_key, date);
  key = hmac_sha256(key, settings.region);
  key = hmac_sha256(key, "s3");
  key = hmac_sha256(key, "aws4_request");
  const std::string signature = to_hex(hmac_sha256(key, string_to_sign));
  return object_url.substr(0, path_at == std::string::npos ? object_url.size() : path_at) + path +
         "?" + query + "&X-Amz-Signature=" + signature;
}

}  // namespace regcache::storage
