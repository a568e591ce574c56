#include "upstream/response_head.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace regcache::upstream {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

ResponseHead::Line ResponseHead::add_line(std::string_view line) {
  std::string_view content = trim(line);
  if (content.empty()) {
    if (status_ == 0) return Line::ignored;
    complete_ = true;
    return Line::end_of_head;
  }
  if (content.substr(0, 5) == "HTTP/") {
    status_ = 0;
    complete_ = false;
    fields_.clear();
    auto space = content.find(' ');
    if (space != std::string_view::npos) {
      auto code = trim(content.substr(space + 1)).substr(0, 3);
      long value = 0;
      auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), value);
      if (ec == std::errc() && end == code.data() + code.size() && code.size() == 3)
        status_ = value;
    }
    return Line::status;
  }
  auto colon = content.find(':');
  if (colon == std::string_view::npos || colon == 0) return Line::ignored;
  fields_.emplace_back(lower(trim(content.substr(0, colon))),
                       std::string(trim(content.substr(colon + 1))));
  return Line::field;
}

std::optional<std::string> ResponseHead::get(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [field, value] : fields_) {
    if (field == key) return value;
  }
  return std::nullopt;
}

std::vector<std::string> ResponseHead::get_all(std::string_view name) const {
  std::string key = lower(name);
  std::vector<std::string> values;
  for (const auto& [field, value] : fields_) {
    if (field == key) values.push_back(value);
  }
  return values;
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ContentRange> parse_content_range(std::string_view value) {
  value = trim(value);
  constexpr std::string_view kUnit = "bytes ";
  if (value.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  value.remove_prefix(kUnit.size());
  auto dash = value.find('-');
  auto slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  auto first = parse_decimal(value.substr(0, dash));
  auto last = parse_decimal(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  ContentRange range{*first, *last, std::nullopt};
  auto complete = trim(value.substr(slash + 1));
  if (complete != "*") {
    range.complete_length = parse_decimal(complete);
    if (!range.complete_length || *range.complete_length <= *last) return std::nullopt;
  }
  return range;
}

}  // namespace regcache::upstream
