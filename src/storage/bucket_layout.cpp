#include "storage/bucket_layout.hpp"

#include <nlohmann/json.hpp>

namespace regcache::storage {
namespace {

// Upstream names may hold ':' (host:port); keep keys to characters every S3
// implementation signs alike.
std::string key_safe(std::string text) {
  for (char& c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) c = '_';
  }
  return text;
}

}  // namespace

std::string format_tag_record(const TagRecord& record) {
  return nlohmann::json{{"digest", record.digest.str()}, {"validated_at", record.validated_at}}
      .dump();
}

std::optional<TagRecord> parse_tag_record(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  auto digest = json.find("digest");
  auto validated_at = json.find("validated_at");
  if (digest == json.end() || !digest->is_string() || validated_at == json.end() ||
      !validated_at->is_number_integer()) {
    return std::nullopt;
  }
  auto parsed = registry::Digest::parse(digest->get<std::string>());
  if (!parsed) return std::nullopt;
  return TagRecord{*parsed, validated_at->get<int64_t>()};
}

BucketLayout::BucketLayout(std::string prefix) : prefix_(std::move(prefix)) {}

std::string BucketLayout::tag_key(const std::string& upstream, const std::string& repository,
                                  const std::string& tag) const {
  return tags() + key_safe(upstream) + "/" + key_safe(repository) + "/_tag/" + key_safe(tag);
}

std::optional<registry::Digest> BucketLayout::digest_in(const std::string& key,
                                                        const std::string& area) {
  if (!key.starts_with(area)) return std::nullopt;
  return registry::Digest::parse("sha256:" + key.substr(area.size()));
}

}  // namespace regcache::storage
