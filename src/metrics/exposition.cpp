#include "metrics/exposition.hpp"

#include <fmt/format.h>

#include <cmath>

namespace regcache::metrics {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

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
