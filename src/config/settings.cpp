#include "config/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "config/config_error.hpp"
#include "config/duration.hpp"
#include "config/quote.hpp"

namespace regcache::config {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const Setting* Settings::find(std::string_view path) const {
  const auto it = values.find(path);
  return it == values.end() ? nullptr : &it->second;
}

void Settings::set_header(std::string name, Setting header_values) {
  const auto it = std::find_if(headers.begin(), headers.end(),
                               [&](const HeaderSetting& h) { return iequals(h.name, name); });
  if (it != headers.end()) {
    it->name = std::move(name);
    it->values = std::move(header_values);
  } else {
    headers.push_back({std::move(name), std::move(header_values)});
  }
}

void reject(const Setting& setting, std::string_view reason) {
  throw ConfigError(fmt::format("{}: {}", setting.where, reason));
}

std::string text_of(const Setting& setting) {
  switch (setting.value.Type()) {
    case YAML::NodeType::Scalar:
      return setting.value.Scalar();
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return {};
    case YAML::NodeType::Sequence:
      reject(setting, "expected a single value, not a list");
    case YAML::NodeType::Map:
      reject(setting, "expected a single value, not a mapping");
  }
  reject(setting, "expected a single value");
}

std::vector<std::string> list_of(const Setting& setting) {
  std::vector<std::string> items;
  const auto add = [&](std::string_view item) {
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
      item.remove_prefix(1);
    }
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
      item.remove_suffix(1);
    }
    if (!item.empty()) items.emplace_back(item);
  };
  if (setting.value.IsSequence()) {
    for (const auto& node : setting.value) {
      if (!node.IsScalar()) reject(setting, "expected a list of single values");
      add(node.Scalar());
    }
    return items;
  }
  const std::string text = text_of(setting);
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    add(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return items;
}

bool bool_of(const Setting& setting) {
  const std::string text = text_of(setting);
  constexpr std::array<std::string_view, 4> kTrue{"true", "yes", "on", "y"};
  constexpr std::array<std::string_view, 4> kFalse{"false", "no", "off", "n"};
  const auto matches = [&](std::string_view word) { return iequals(word, text); };
  if (std::any_of(kTrue.begin(), kTrue.end(), matches)) return true;
  if (std::any_of(kFalse.begin(), kFalse.end(), matches)) return false;
  reject(setting, fmt::format("expected true or false, got {}", in_quotes(text)));
}

uint64_t integer_of(const Setting& setting, uint64_t min, uint64_t max) {
  const std::string text = text_of(setting);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    reject(setting,
           fmt::format("expected a whole number from {} to {}, got {}", min, max, in_quotes(text)));
  }
  return value;
}

Seconds duration_of(const Setting& setting, DurationLimits limits) {
  const std::string text = text_of(setting);
  const auto parsed = parse_duration(text);
  if (!parsed) {
    reject(setting,
           fmt::format("invalid duration {}: {} (use Go duration syntax such as 168h, 30m or 90s)",
                       in_quotes(text), parsed.error()));
  }
  if (parsed->count() < 0) {
    reject(setting, fmt::format("invalid duration {}: must not be negative", in_quotes(text)));
  }
  const auto seconds = std::chrono::ceil<Seconds>(*parsed);
  if (seconds.count() == 0 && !limits.allow_zero) {
    reject(setting, fmt::format("invalid duration {}: must be greater than 0", in_quotes(text)));
  }
  if (seconds > limits.max) {
    reject(setting, fmt::format("invalid duration {}: must be at most {}", in_quotes(text),
                                format_duration(limits.max)));
  }
  return seconds;
}

}  // namespace regcache::config
