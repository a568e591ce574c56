#pragma once
// Content held in memory (an anonymous memfd), served like a cached file. Used
// for a manifest that could not be stored because caching is paused: the
// client still gets it, with sendfile, and nothing touches the disk.

#include <memory>
#include <string_view>
#include <system_error>

#include "storage/content_store.hpp"
#include "util/result.hpp"

namespace regcache::cache {

Result<std::unique_ptr<storage::ContentReader>, std::error_code> memory_content(
    std::string_view bytes);

}  // namespace regcache::cache
