#include "util/event_log.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace regcache {
namespace {

// Text values are written bare unless they would not survive a split on
// spaces: then they are double-quoted with backslash escapes.
void append_text_value(std::string& out, std::string_view value) {
  bool plain = !value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += value;
    return;
  }
  out += '"';
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < ' ' || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string number_text(double value) {
  if (!std::isfinite(value)) return "0";
  return fmt::format("{:.1f}", value);
}

}  // namespace

std::string json_quote(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string EventLog::render(LogFormat format, std::string_view event,
                             std::span<const Field> fields) {
  std::string out;
  if (format == LogFormat::text) {
    out += event;
    for (const auto& field : fields) {
      out += ' ';
      out += field.name;
      out += '=';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
              append_text_value(out, v);
            } else if constexpr (std::is_same_v<T, double>) {
              out += number_text(v);
            } else {
              out += std::to_string(v);
            }
          },
          field.value);
    }
    return out;
  }
  // JSON: the members of the object; the formatter adds time and level.
  out += "\"msg\":";
  out += json_quote(event);
  for (const auto& field : fields) {
    out += ',';
    out += json_quote(field.name);
    out += ':';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            out += json_quote(v);
          } else if constexpr (std::is_same_v<T, double>) {
            out += number_text(v);
          } else {
            out += std::to_string(v);
          }
        },
        field.value);
  }
  return out;
}

bool EventLog::enabled(spdlog::level::level_enum level) const {
  auto* logger = logger_ ? logger_.get() : spdlog::default_logger_raw();
  return logger->should_log(level);
}

void EventLog::write(spdlog::level::level_enum level, std::string_view event,
                     std::span<const Field> fields) const {
  auto* logger = logger_ ? logger_.get() : spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  const std::string line = render(logger_ ? format_ : LogFormat::text, event, fields);
  logger->log(level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace regcache
