#include "coord/s3_shared_catalog.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace regcache::coord {
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

S3SharedCatalog::S3SharedCatalog(storage::S3Client& client, std::string prefix)
    : client_(client), prefix_(std::move(prefix)) {}

std::string S3SharedCatalog::tag_key(const std::string& upstream, const std::string& repository,
                                     const std::string& tag) const {
  return prefix_ + "meta/tags/" + key_safe(upstream) + "/" + key_safe(repository) + "/_tag/" +
         key_safe(tag);
}

std::optional<cache::SharedTag> S3SharedCatalog::tag(const std::string& upstream,
                                                     const std::string& repository,
                                                     const std::string& tag) {
  auto body = client_.get_object(tag_key(upstream, repository, tag));
  if (!body.ok() || !body.value()) return std::nullopt;
  auto json = nlohmann::json::parse(*body.value(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json["digest"].is_string() ||
      !json["validated_at"].is_number_integer()) {
    spdlog::warn("s3: ignoring malformed tag record for {}/{}:{}", upstream, repository, tag);
    return std::nullopt;
  }
  auto digest = registry::Digest::parse(json["digest"].get<std::string>());
  if (!digest) return std::nullopt;
  return cache::SharedTag{*digest, json["validated_at"].get<int64_t>()};
}

void S3SharedCatalog::put_tag(const std::string& upstream, const std::string& repository,
                              const std::string& tag, const cache::SharedTag& value) {
  nlohmann::json json{{"digest", value.digest.str()}, {"validated_at", value.validated_at}};
  if (auto ec = client_.put_object(tag_key(upstream, repository, tag), json.dump())) {
    spdlog::warn("s3: cannot share tag {}/{}:{} with other nodes: {}", upstream, repository, tag,
                 ec.message());
  }
}

std::optional<std::string> S3SharedCatalog::manifest_type(const registry::Digest& digest) {
  auto body = client_.get_object(prefix_ + "meta/manifests/sha256/" + digest.hex());
  if (!body.ok() || !body.value() || body.value()->empty()) return std::nullopt;
  return *body.value();
}

void S3SharedCatalog::put_manifest_type(const registry::Digest& digest,
                                        const std::string& media_type) {
  if (auto ec = client_.put_object(prefix_ + "meta/manifests/sha256/" + digest.hex(), media_type)) {
    spdlog::warn("s3: cannot share the media type of {} with other nodes: {}", digest.str(),
                 ec.message());
  }
}

void S3SharedCatalog::put_pin(const std::string& upstream, const std::string& repository,
                              const registry::Digest& digest) {
  // The key is all the collector needs; the body says who pinned it, when.
  const auto pinned_at = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  nlohmann::json json{{"upstream", upstream}, {"repository", repository}, {"pinned_at", pinned_at}};
  if (auto ec = client_.put_object(prefix_ + "meta/pins/sha256/" + digest.hex(), json.dump())) {
    spdlog::warn("s3: cannot share the pin of {} with other nodes: {}", digest.str(), ec.message());
  }
}

void S3SharedCatalog::remove_tag(const std::string& upstream, const std::string& repository,
                                 const std::string& tag) {
  if (auto ec = client_.remove(tag_key(upstream, repository, tag))) {
    spdlog::warn("s3: cannot remove the shared tag record of {}/{}:{}: {}", upstream, repository,
                 tag, ec.message());
  }
}

void S3SharedCatalog::remove_pin(const registry::Digest& digest) {
  if (auto ec = client_.remove(prefix_ + "meta/pins/sha256/" + digest.hex())) {
    spdlog::warn("s3: cannot remove the shared pin of {}: {}", digest.str(), ec.message());
  }
}

}  // namespace regcache::coord
