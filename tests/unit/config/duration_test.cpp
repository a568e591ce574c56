#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

namespace regcache::config {
namespace {

using namespace std::chrono_literals;

struct Valid {
  const char* text;
  std::chrono::nanoseconds expected;
};

// Cases from Go's time.ParseDuration tests.
TEST(ParseDuration, AcceptsGoSyntax) {
  const Valid cases[] = {
      {"0", 0ns},
      {"+0", 0ns},
      {"-0", 0ns},
      {"5s", 5s},
      {"30s", 30s},
      {"1478s", 1478s},
      {"-5s", -5s},
      {"+5s", 5s},
      {"-0s", 0ns},
      {"5.0s", 5s},
      {"5.6s", 5s + 600ms},
      {"5.s", 5s},
      {".5s", 500ms},
      {"1.0s", 1s},
      {"1.00s", 1s},
      {"1.004s", 1s + 4ms},
      {"100.00100s", 100s + 1ms},
      {"10ns", 10ns},
      {"11us", 11us},
      {"12\xC2\xB5s", 12us},  // U+00B5 micro sign
      {"12\xCE\xBCs", 12us},  // U+03BC Greek mu
      {"13ms", 13ms},
      {"14s", 14s},
      {"15m", 15min},
      {"16h", 16h},
      {"168h", 168h},
      {"3h30m", 3h + 30min},
      {"1h30m", 90min},
      {"10.5s4m", 4min + 10s + 500ms},
      {"-2m3.4s", -(2min + 3s + 400ms)},
      {"1h2m3s4ms5us6ns", 1h + 2min + 3s + 4ms + 5us + 6ns},
      {"39h9m14.425s", 39h + 9min + 14s + 425ms},
      {"52763797000ns", 52763797000ns},
      {"0.3333333333333333333h", 20min},
      {"9007199254740993ns", std::chrono::nanoseconds((int64_t{1} << 53) + 1)},
      {"9223372036854775807ns", std::chrono::nanoseconds(std::numeric_limits<int64_t>::max())},
      {"9223372036854775.807us", std::chrono::nanoseconds(std::numeric_limits<int64_t>::max())},
      {"9223372036s854ms775us807ns", std::chrono::nanoseconds(std::numeric_limits<int64_t>::max())},
      {"-9223372036854775808ns", std::chrono::nanoseconds(std::numeric_limits<int64_t>::min())},
      {"0.100000000000000000000h", 6min},
      {"0.830103483285477580700h", 49min + 48s + 372539827ns},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error();
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

struct Invalid {
  const char* text;
  const char* reason;
};

TEST(ParseDuration, RejectsWithAReason) {
  const Invalid cases[] = {
      {"", "empty value"},
      {"-", "empty value"},
      {"3", "missing unit"},
      {"7", "missing unit"},
      {"3600", "missing unit"},
      {"1h30", "missing unit"},
      {"s", "expected a number"},
      {".", "expected a number"},
      {"-.", "expected a number"},
      {".s", "expected a number"},
      {"+.s", "expected a number"},
      {"1d", "unknown unit \"d\""},
      {"7days", "unknown unit \"days\""},
      {"1h 30m", "unknown unit \"h \""},
      {" 1h", "expected a number"},
      {"1H", "unknown unit \"H\""},
      {"\xFF", "expected a number"},
      {"9223372036854775808ns", "out of range"},
      {"9223372036854775.808us", "out of range"},
      {"9223372036854ms775us808ns", "out of range"},
      {"-9223372036854775809ns", "out of range"},
      {"3000000h", "out of range"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error(), c.reason) << c.text;
  }
}

TEST(FormatDuration, WritesGoStyle) {
  EXPECT_EQ(format_duration(Seconds(0)), "0s");
  EXPECT_EQ(format_duration(Seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(std::chrono::hours(168)), "168h");
  EXPECT_EQ(format_duration(Seconds(3661)), "1h1m1s");
}

}  // namespace
}  // namespace regcache::config
