#pragma once
// Registry: every metric of one process, and its text exposition. Metrics are
// registered at start-up (names must be unique); counting needs no lock, a
// scrape takes each family's lock briefly. Values that are cheaper to compute
// when scraped than to track (cache size, open connections, quota) come from
// collectors.

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/family.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram.hpp"

namespace regcache::metrics {

struct Sample {
  LabelValues labels;
  double value = 0;
};

enum class Type { counter, gauge };

class Registry {
 public:
  using Collect = std::function<void(std::vector<Sample>&)>;

  Family<Counter>& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
  // `collect` is called at every scrape (from the scraping thread) and appends
  // the family's samples.
  void add_collector(std::string name, std::string help, Type type,
                     std::vector<std::string> label_names, Collect collect);

  // The text exposition format, families in registration order.
  std::string expose() const;

 private:
  struct Collected {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::string> label_names;
    Collect collect;
  };
  using Entry = std::variant<Family<Counter>*, Family<Gauge>*, Family<Histogram>*, Collected*>;
  void check_unique(const std::string& name) const;

  mutable std::mutex mutex_;  // guards the containers, not the metrics
  std::deque<Family<Counter>> counters_;
  std::deque<Family<Gauge>> gauges_;
  std::deque<Family<Histogram>> histograms_;
  std::deque<Collected> collected_;
  std::vector<Entry> order_;
  std::vector<std::string> names_;
};

}  // namespace regcache::metrics
