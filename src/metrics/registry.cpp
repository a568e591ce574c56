#include "metrics/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "metrics/exposition.hpp"

namespace regcache::metrics {

void Registry::check_unique(const std::string& name) const {
  // Registration happens at start-up: a duplicate is a programming error.
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw std::logic_error("metric registered twice: " + name);
  }
}

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_unique(name);
  names_.push_back(name);
  auto& family = counters_.emplace_back(std::move(name), std::move(help), std::move(label_names),
                                        [] { return std::make_unique<Counter>(); });
  order_.emplace_back(&family);
  return family;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_unique(name);
  names_.push_back(name);
  auto& family = gauges_.emplace_back(std::move(name), std::move(help), std::move(label_names),
                                      [] { return std::make_unique<Gauge>(); });
  order_.emplace_back(&family);
  return family;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  std::lock_guard lock(mutex_);
  check_unique(name);
  names_.push_back(name);
  auto& family = histograms_.emplace_back(std::move(name), std::move(help), std::move(label_names),
                                          [bounds] { return std::make_unique<Histogram>(bounds); });
  order_.emplace_back(&family);
  return family;
}

void Registry::add_collector(std::string name, std::string help, Type type,
                             std::vector<std::string> label_names, Collect collect) {
  std::lock_guard lock(mutex_);
  check_unique(name);
  names_.push_back(name);
  auto& entry = collected_.emplace_back(Collected{std::move(name), std::move(help), type,
                                                  std::move(label_names), std::move(collect)});
  order_.emplace_back(&entry);
}

std::string Registry::expose() const {
  std::vector<Entry> order;
  {
    std::lock_guard lock(mutex_);
    order = order_;
  }
  std::string out;
  out.reserve(16 * 1024);
  for (const Entry& entry : order) {
    if (auto* counters = std::get_if<Family<Counter>*>(&entry)) {
      const auto& family = **counters;
      append_header(out, family.name(), family.help(), "counter");
      family.for_each([&](const LabelValues& values, const Counter& counter) {
        append_sample(out, family.name(), family.label_names(), values,
                      std::to_string(counter.value()));
      });
    } else if (auto* gauges = std::get_if<Family<Gauge>*>(&entry)) {
      const auto& family = **gauges;
      append_header(out, family.name(), family.help(), "gauge");
      family.for_each([&](const LabelValues& values, const Gauge& gauge) {
        append_sample(out, family.name(), family.label_names(), values,
                      format_value(gauge.value()));
      });
    } else if (auto* histograms = std::get_if<Family<Histogram>*>(&entry)) {
      const auto& family = **histograms;
      append_header(out, family.name(), family.help(), "histogram");
      const std::string bucket_name = family.name() + "_bucket";
      family.for_each([&](const LabelValues& values, const Histogram& histogram) {
        auto snapshot = histogram.snapshot();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < snapshot.bounds.size(); ++i) {
          cumulative += snapshot.buckets[i];
          append_sample(out, bucket_name, family.label_names(), values, std::to_string(cumulative),
                        "le", format_value(snapshot.bounds[i]));
        }
        append_sample(out, bucket_name, family.label_names(), values,
                      std::to_string(snapshot.count), "le", "+Inf");
        append_sample(out, family.name() + "_sum", family.label_names(), values,
                      format_value(snapshot.sum));
        append_sample(out, family.name() + "_count", family.label_names(), values,
                      std::to_string(snapshot.count));
      });
    } else if (auto* collected = std::get_if<Collected*>(&entry)) {
      const auto& c = **collected;
      std::vector<Sample> samples;
      c.collect(samples);
      append_header(out, c.name, c.help, c.type == Type::counter ? "counter" : "gauge");
      for (const auto& sample : samples) {
        append_sample(out, c.name, c.label_names, sample.labels, format_value(sample.value));
      }
    }
  }
  return out;
}

}  // namespace regcache::metrics
