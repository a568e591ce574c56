#include "metrics/exposition.hpp"

#include <fmt/format.h>

#include <cmath>

namespace regcache::metrics {
namespace {

// Prometheus text format escapes: backslash and newline everywhere, the double
// quote only inside label values (HELP text is not quoted).
std::string escape(std::string_view text, bool quoted) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quoted) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }
std::string escape_help(std::string_view help) { return escape(help, false); }

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{}", value);
}

void append_sample(std::string& out, std::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, std::string_view value,
                   std::string_view extra_name, std::string_view extra_value) {
  out += name;
  bool open = false;
  auto label = [&](std::string_view n, std::string_view v) {
    out += open ? ',' : '{';
    open = true;
    out += n;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  };
  for (size_t i = 0; i < label_names.size() && i < label_values.size(); ++i) {
    label(label_names[i], label_values[i]);
  }
  if (!extra_name.empty()) label(extra_name, extra_value);
  if (open) out += '}';
  out += ' ';
  out += value;
  out += '\n';
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace regcache::metrics
