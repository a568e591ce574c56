#pragma once
// The Prometheus text exposition format (version 0.0.4): escaping and number
// formatting, shared by Registry and its tests.

#include <string>
#include <string_view>
#include <vector>

namespace regcache::metrics {

inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label values: backslash, double quote and line feed are escaped.
std::string escape_label_value(std::string_view value);
// HELP text: backslash and line feed are escaped.
std::string escape_help(std::string_view help);
// Integers without a fraction or exponent; +Inf, -Inf and NaN as Prometheus spells them.
std::string format_value(double value);

// Appends `name{l1="v1",...,extra_name="extra_value"} value\n`.
void append_sample(std::string& out, std::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, std::string_view value,
                   std::string_view extra_name = {}, std::string_view extra_value = {});
void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type);

}  // namespace regcache::metrics
