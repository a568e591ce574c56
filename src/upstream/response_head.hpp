#pragma once
// The status and header fields of one HTTP response, as received line by line
// from libcurl's header callback.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace regcache::upstream {

class ResponseHead {
 public:
  enum class Line { status, field, end_of_head, ignored };

  // Feeds one raw header line (with or without CRLF). A status line
  // ("HTTP/1.1 200 OK", "HTTP/2 404") starts a new response and clears the
  // fields of the previous one (redirects, 100 Continue); the blank line ends
  // the head. Lines that are neither are ignored.
  Line add_line(std::string_view line);

  long status() const { return status_; }
  bool complete() const { return complete_; }

  // First value of a field (name compared case-insensitively), trimmed.
  std::optional<std::string> get(std::string_view name) const;
  // Every value of a field, in order (e.g. several WWW-Authenticate lines).
  std::vector<std::string> get_all(std::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  long status_ = 0;
  bool complete_ = false;
  std::vector<std::pair<std::string, std::string>> fields_;  // lower-case name, trimmed value
};

// Parses "bytes <first>-<last>/<complete length or *>" (Content-Range of a 206).
struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  std::optional<uint64_t> complete_length;
};
std::optional<ContentRange> parse_content_range(std::string_view value);

// A non-negative decimal integer (Content-Length and friends), nothing else.
std::optional<uint64_t> parse_decimal(std::string_view text);

}  // namespace regcache::upstream
