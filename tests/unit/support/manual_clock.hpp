#pragma once
// A clock the test sets by hand.
#include "util/clock.hpp"

namespace regcache::test_support {

class ManualClock final : public Clock {
 public:
  int64_t now_seconds() const override { return now; }
  int64_t now = 1'000'000;
};

}  // namespace regcache::test_support
