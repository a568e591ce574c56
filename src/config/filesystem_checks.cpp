#include "config/filesystem_checks.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "config/quote.hpp"

namespace regcache::config {

namespace fs = std::filesystem;

Result<Ok, std::string> prepare_storage_root(const fs::path& root) {
  if (root.empty()) return fail(std::string("must not be empty"));
  std::error_code ec;
  const auto status = fs::status(root, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail("cannot access " + in_quotes(root.string()) + ": " + ec.message());
  }
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) return fail(in_quotes(root.string()) + " is not a directory");
    if (::access(root.c_str(), W_OK | X_OK) != 0) {
      return fail("directory " + in_quotes(root.string()) +
                  " is not writable: " + std::strerror(errno));
    }
    return Ok{};
  }
  fs::create_directories(root, ec);
  if (ec) return fail("cannot create directory " + in_quotes(root.string()) + ": " + ec.message());
  return Ok{};
}

Result<Ok, std::string> check_readable_file(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec) return fail("cannot read " + in_quotes(file.string()) + ": " + ec.message());
  if (!fs::is_regular_file(status))
    return fail(in_quotes(file.string()) + " is not a regular file");
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> handle(std::fopen(file.c_str(), "rb"),
                                                               &std::fclose);
  if (!handle) return fail("cannot read " + in_quotes(file.string()) + ": " + std::strerror(errno));
  return Ok{};
}

}  // namespace regcache::config
