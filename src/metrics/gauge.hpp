#pragma once
// Gauge: a value that goes up and down (set by its owner). Values computed at
// scrape time (cache size, quota) use Registry::add_collector instead.

#include <atomic>

namespace regcache::metrics {

class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace regcache::metrics
