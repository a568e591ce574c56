#include "coord/s3_shared_catalog.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace regcache::coord {

S3SharedCatalog::S3SharedCatalog(storage::S3Client& client, std::string prefix)
    : client_(client), layout_(std::move(prefix)) {}

std::optional<cache::SharedTag> S3SharedCatalog::tag(const std::string& upstream,
                                                     const std::string& repository,
                                                     const std::string& tag) {
  auto body = client_.get_object(layout_.tag_key(upstream, repository, tag));
  if (!body.ok() || !body.value()) return std::nullopt;
  auto record = storage::parse_tag_record(*body.value());
  if (!record) {
    spdlog::warn("s3: ignoring malformed tag record for {}/{}:{}", upstream, repository, tag);
    return std::nullopt;
  }
  return cache::SharedTag{record->digest, record->validated_at};
}

void S3SharedCatalog::put_tag(const std::string& upstream, const std::string& repository,
                              const std::string& tag, const cache::SharedTag& value) {
  const auto body = storage::format_tag_record({value.digest, value.validated_at});
  if (auto ec = client_.put_object(layout_.tag_key(upstream, repository, tag), body)) {
    spdlog::warn("s3: cannot share tag {}/{}:{} with other nodes: {}", upstream, repository, tag,
                 ec.message());
  }
}

std::optional<std::string> S3SharedCatalog::manifest_type(const registry::Digest& digest) {
  auto body = client_.get_object(layout_.manifest_type_key(digest));
  if (!body.ok() || !body.value() || body.value()->empty()) return std::nullopt;
  return *body.value();
}

void S3SharedCatalog::put_manifest_type(const registry::Digest& digest,
                                        const std::string& media_type) {
  if (auto ec = client_.put_object(layout_.manifest_type_key(digest), media_type)) {
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
  if (auto ec = client_.put_object(layout_.pin_key(digest), json.dump())) {
    spdlog::warn("s3: cannot share the pin of {} with other nodes: {}", digest.str(), ec.message());
  }
}

void S3SharedCatalog::remove_tag(const std::string& upstream, const std::string& repository,
                                 const std::string& tag) {
  if (auto ec = client_.remove(layout_.tag_key(upstream, repository, tag))) {
    spdlog::warn("s3: cannot remove the shared tag record of {}/{}:{}: {}", upstream, repository,
                 tag, ec.message());
  }
}

void S3SharedCatalog::remove_pin(const registry::Digest& digest) {
  if (auto ec = client_.remove(layout_.pin_key(digest))) {
    spdlog::warn("s3: cannot remove the shared pin of {}: {}", digest.str(), ec.message());
  }
}

}  // namespace regcache::coord
