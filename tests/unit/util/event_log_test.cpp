#include "util/event_log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace regcache {
namespace {

TEST(EventLog, TextKeepsPlainValuesBareAndQuotesTheRest) {
  const std::string_view empty;
  auto line = EventLog::render(LogFormat::text, "access",
                               {{"method", std::string_view("GET")},
                                {"path", std::string_view("/v2/a b\"c")},
                                {"status", uint64_t{200}},
                                {"duration_ms", 12.345},
                                {"error", empty}});
  EXPECT_EQ(line, "access method=GET path=\"/v2/a b\\\"c\" status=200 duration_ms=12.3 error=\"\"");
}

TEST(EventLog, JsonMembersParseAsAnObjectWithEscapes) {
  auto members = EventLog::render(LogFormat::json, "access",
                                  {{"path", std::string_view("/v2/\"x\"\n\x01")},
                                   {"bytes", uint64_t{42}},
                                   {"delta", int64_t{-3}},
                                   {"bad_utf8", std::string_view("\xff\xfe")}});
  auto parsed = nlohmann::json::parse("{" + members + "}");
  EXPECT_EQ(parsed["msg"], "access");
  EXPECT_EQ(parsed["path"], "/v2/\"x\"\n\x01");
  EXPECT_EQ(parsed["bytes"], 42);
  EXPECT_EQ(parsed["delta"], -3);
  EXPECT_TRUE(parsed["bad_utf8"].is_string());
}

}  // namespace
}  // namespace regcache
