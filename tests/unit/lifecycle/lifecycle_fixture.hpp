#pragma once
// A filesystem content store and an index in a temp dir, with helpers to put
// content in both as the cache does.

#include <fstream>

#include "index/cache_index.hpp"
#include "storage/filesystem_content_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "util/sha256.hpp"

namespace regcache::test_support {

class LifecycleFixture {
 public:
  LifecycleFixture()
      : store(dir.path()),
        index(std::make_unique<index::CacheIndex>(store.data_dir() / "index.sqlite")) {}

  // Stores `content` as a published object (file + index entry).
  registry::Digest put(const std::string& content, const std::string& media_type = "",
                       int64_t last_access = 1000) {
    auto digest = write_file(content);
    index->put_object({digest, content.size(), media_type, last_access, last_access});
    return digest;
  }
  // Only the file (an orphan).
  registry::Digest write_file(const std::string& content) {
    auto digest = *registry::Digest::parse("sha256:" + Sha256::hex_of(content));
    auto staging = store.create_staging().value();
    staging->append(std::span<const char>(content.data(), content.size()));
    store.publish(*staging, digest);
    return digest;
  }
  // A manifest referencing `children`, stored with its refs.
  registry::Digest put_manifest(const std::vector<registry::Digest>& children,
                                const std::string& salt = "", int64_t last_access = 1000) {
    std::string body = R"({"schemaVersion":2,"salt":")" + salt + R"(","layers":[)";
    for (size_t i = 0; i < children.size(); ++i) {
      if (i > 0) body += ",";
      body += R"({"digest":")";
      body += children[i].str();
      body += R"("})";
    }
    body += "]}";
    auto digest = *registry::Digest::parse("sha256:" + Sha256::hex_of(body));
    index->add_refs(digest, children);
    write_file(body);
    index->put_object({digest, body.size(), "application/vnd.oci.image.manifest.v1+json",
                       last_access, last_access});
    return digest;
  }
  bool has_file(const registry::Digest& d) { return store.size_of(d).has_value(); }
  bool cached(const registry::Digest& d) { return index->object(d).has_value() && has_file(d); }
  void reopen_index() {
    index.reset();
    index = std::make_unique<index::CacheIndex>(store.data_dir() / "index.sqlite");
  }

  TempDir dir;
  ManualClock clock;
  storage::FilesystemContentStore store;
  std::unique_ptr<index::CacheIndex> index;
};

}  // namespace regcache::test_support
