#pragma once
// Wall-clock time in seconds, behind an interface so tests can control it.

#include <chrono>
#include <cstdint>

namespace regcache {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_seconds() const = 0;  // unix time
};

class SystemClock final : public Clock {
 public:
  int64_t now_seconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace regcache
