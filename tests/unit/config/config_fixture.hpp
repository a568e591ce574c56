#pragma once
// A test that loads config.yml texts written to its own directory, with the
// storage root pointed there too, and reads back the ConfigError of bad ones.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/temp_dir.hpp"

namespace regcache::config::testing {

// A storage.s3 section that loads (the bucket is not contacted by load_config).
constexpr std::string_view kS3Storage = R"(storage:
  s3:
    regionendpoint: http://127.0.0.1:7480
    region: us-east-1
    bucket: mirror
    accesskey: AK
    secretkey: SK
)";

class ConfigFixture : public ::testing::Test {
 protected:
  Environment env(Environment extra = {}) const {
    extra["REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY"] = (dir_.path() / "storage").string();
    return extra;
  }
  Config load(std::string_view yaml, Environment extra = {}) const {
    return load_config(dir_.write("config.yml", yaml), env(std::move(extra)));
  }
  // The message of the ConfigError `yaml` must cause.
  std::string error_of(std::string_view yaml, Environment extra = {}) const {
    try {
      load(yaml, std::move(extra));
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
    return {};
  }

  TempDir dir_;
};

}  // namespace regcache::config::testing
