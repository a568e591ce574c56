#include "app/json_log_formatter.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

#include "util/event_log.hpp"

namespace regcache::app {
namespace {

const char* level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "info";
  }
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto since_epoch = msg.time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = seconds.count();
  std::tm utc{};
  gmtime_r(&t, &utc);
  fmt::format_to(std::back_inserter(dest),
                 R"({{"time":"{:%Y-%m-%dT%H:%M:%S}.{:03d}Z","level":"{}",)", utc,
                 static_cast<int>(millis), level_name(msg.level));
  const std::string_view payload(msg.payload.data(), msg.payload.size());
  if (mode_ == Mode::fields) {
    dest.append(payload.data(), payload.data() + payload.size());
  } else {
    const std::string quoted = "\"msg\":" + json_quote(payload);
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }
  dest.push_back('}');
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>(mode_);
}

}  // namespace regcache::app
