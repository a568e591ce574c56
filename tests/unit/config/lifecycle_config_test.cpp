// regcache's lifecycle keys: max_size, min_free_space, watermarks, gc_interval, gc_grace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/byte_size.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/temp_dir.hpp"

namespace regcache::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(SizeLimit, BytesUnitsAndPercentages) {
  EXPECT_EQ(parse_size_limit("1073741824")->bytes, 1073741824u);
  EXPECT_EQ(parse_size_limit("10GiB")->bytes, 10ull << 30);
  EXPECT_EQ(parse_size_limit("10 gib")->bytes, 10ull << 30);
  EXPECT_EQ(parse_size_limit("500MB")->bytes, 500'000'000u);
  EXPECT_EQ(parse_size_limit("1.5TB")->bytes, 1'500'000'000'000u);
  EXPECT_EQ(parse_size_limit("64KiB")->bytes, 65536u);
  EXPECT_EQ(parse_size_limit("0")->bytes, 0u);
  EXPECT_FALSE(parse_size_limit("0")->is_set());
  EXPECT_DOUBLE_EQ(parse_size_limit("80%")->percent, 80);
  EXPECT_DOUBLE_EQ(parse_size_limit("2.5%")->percent, 2.5);
  EXPECT_EQ(parse_size_limit("50%")->resolve(1000), 500u);
  EXPECT_EQ(parse_size_limit("1GiB")->resolve(1000), 1ull << 30);
}

TEST(SizeLimit, RejectsWhatIsNotASize) {
  for (const char* bad : {"", "GiB", "10 GB GB", "10XB", "1.5", "0%", "101%", "-5GB", "1..5GB",
                          "99999999999TB", "ten"}) {
    EXPECT_FALSE(parse_size_limit(bad)) << bad;
  }
  EXPECT_THAT(parse_size_limit("10XB").error(), HasSubstr("unknown unit"));
  EXPECT_THAT(parse_size_limit("0%").error(), HasSubstr("greater than 0"));
}

class LifecycleConfigTest : public ::testing::Test {
 protected:
  Config load(std::string_view yaml, Environment extra = {}) const {
    Environment env{{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", (dir_.path() / "s").string()}};
    for (auto& [k, v] : extra) env[k] = v;
    return load_config(dir_.write("config.yml", yaml), env);
  }
  std::string error_of(std::string_view yaml, Environment extra = {}) const {
    try {
      load(yaml, std::move(extra));
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for " << yaml;
    return {};
  }
  testing::TempDir dir_;
};

TEST_F(LifecycleConfigTest, Defaults) {
  const auto config = load("");
  EXPECT_FALSE(config.lifecycle.max_size.is_set());
  EXPECT_DOUBLE_EQ(config.lifecycle.min_free_space.percent, 5);
  EXPECT_EQ(config.lifecycle.high_watermark, 95u);
  EXPECT_EQ(config.lifecycle.low_watermark, 85u);
  EXPECT_EQ(config.lifecycle.gc_interval, 1h);
  EXPECT_EQ(config.lifecycle.gc_grace, 1h);
  EXPECT_TRUE(config.warnings.empty());
}

TEST_F(LifecycleConfigTest, FileAndEnvironment) {
  const auto config = load(
      "regcache:\n  max_size: 200GiB\n  min_free_space: 10%\n  high_watermark: 90\n"
      "  low_watermark: 70\n  gc_interval: 30m\n  gc_grace: 90s\n",
      {{"REGCACHE_MAX_SIZE", "50%"}});
  EXPECT_DOUBLE_EQ(config.lifecycle.max_size.percent, 50);
  EXPECT_DOUBLE_EQ(config.lifecycle.min_free_space.percent, 10);
  EXPECT_EQ(config.lifecycle.high_watermark, 90u);
  EXPECT_EQ(config.lifecycle.low_watermark, 70u);
  EXPECT_EQ(config.lifecycle.gc_interval, 30min);
  EXPECT_EQ(load("regcache:\n  gc_interval: 0\n").lifecycle.gc_interval, 0s);
  EXPECT_EQ(config.lifecycle.gc_grace, 90s);
  EXPECT_EQ(load("", {{"REGCACHE_GC_GRACE", "2h"}}).lifecycle.gc_grace, 2h);
}

TEST_F(LifecycleConfigTest, PreciseErrors) {
  EXPECT_THAT(error_of("regcache:\n  max_size: 10 gigs\n"),
              HasSubstr("regcache.max_size: invalid size \"10 gigs\": unknown unit"));
  EXPECT_THAT(error_of("", {{"REGCACHE_MIN_FREE_SPACE", "150%"}}),
              HasSubstr("environment REGCACHE_MIN_FREE_SPACE: invalid size \"150%\""));
  EXPECT_THAT(error_of("regcache:\n  high_watermark: 101\n"),
              HasSubstr("regcache.high_watermark: expected a whole number from 2 to 100"));
  EXPECT_THAT(error_of("regcache:\n  high_watermark: 80\n  low_watermark: 80\n"),
              HasSubstr("low_watermark (80) must be below high_watermark (80)"));
  EXPECT_THAT(error_of("regcache:\n  high_watermark: 50\n"),
              HasSubstr("low_watermark (85) must be below high_watermark (50)"));
  EXPECT_THAT(error_of("regcache:\n  gc_interval: 1d\n"), HasSubstr("regcache.gc_interval"));
  // Removing what a node is about to tag needs some grace: 0 is refused.
  EXPECT_THAT(error_of("regcache:\n  gc_grace: 0\n"),
              HasSubstr("regcache.gc_grace: invalid duration \"0\": must be greater than 0"));
  EXPECT_THAT(error_of("regcache:\n  gc_grace: soon\n"),
              HasSubstr("regcache.gc_grace: invalid duration \"soon\""));
  EXPECT_THAT(error_of("", {{"REGCACHE_GC_GRACE", "-5m"}}),
              HasSubstr("environment REGCACHE_GC_GRACE: invalid duration \"-5m\""));
}

}  // namespace
}  // namespace regcache::config
