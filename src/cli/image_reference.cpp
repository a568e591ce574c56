#include "cli/image_reference.hpp"

#include "registry/digest.hpp"
#include "registry/reference.hpp"

namespace regcache::cli {

std::string ImageReference::manifest_path() const {
  std::string path = "/v2/" + repository + "/manifests/" + reference;
  if (!registry.empty()) path += "?ns=" + registry;
  return path;
}

std::string ImageReference::blob_path(std::string_view digest) const {
  std::string path = "/v2/" + repository + "/blobs/" + std::string(digest);
  if (!registry.empty()) path += "?ns=" + registry;
  return path;
}

std::string ImageReference::text() const {
  std::string out = registry.empty() ? "" : registry + "/";
  out += repository;
  out += by_digest ? "@" : ":";
  out += reference;
  return out;
}

Result<ImageReference, std::string> parse_image_reference(std::string_view text) {
  ImageReference image;
  std::string_view rest = text;
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r')) {
    rest.remove_suffix(1);
  }
  if (rest.empty()) return fail(std::string("empty image reference"));
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    image.reference = std::string(rest.substr(at + 1));
    image.by_digest = true;
    rest = rest.substr(0, at);
    if (!registry::Digest::parse(image.reference)) {
      return fail("\"" + std::string(text) + "\": invalid digest (expected sha256:<64 hex>)");
    }
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    if (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
        first == "localhost") {
      image.registry = std::string(first);
      rest = rest.substr(slash + 1);
    }
  }
  if (!image.by_digest) {
    auto colon = rest.rfind(':');
    if (colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
      image.reference = std::string(rest.substr(colon + 1));
      rest = rest.substr(0, colon);
      if (!registry::is_valid_tag(image.reference)) {
        return fail("\"" + std::string(text) + "\": invalid tag \"" + image.reference + "\"");
      }
    } else {
      image.reference = "latest";
    }
  }
  image.repository = std::string(rest);
  if (!registry::is_valid_repository_name(image.repository)) {
    return fail("\"" + std::string(text) + "\": invalid repository name \"" + image.repository +
                "\" (lower-case letters, digits and . _ - separators, / between components)");
  }
  return image;
}

}  // namespace regcache::cli
