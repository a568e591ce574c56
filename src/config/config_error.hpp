#pragma once
#include <stdexcept>
#include <string>

namespace regcache::config {

// A configuration that cannot be used. The message names the source (file or
// environment variable), the key and the reason, ready to show an operator.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace regcache::config
