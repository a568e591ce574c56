#pragma once
// Family: one metric name with its label names, and one child metric per set
// of label values, created on first use and never removed (label values come
// from small fixed sets: routes, methods, statuses, upstreams). Children have
// stable addresses: hot paths look a child up once and keep the reference.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace regcache::metrics {

using LabelValues = std::vector<std::string>;

template <class Metric>
class Family {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;

  Family(std::string name, std::string help, std::vector<std::string> label_names, Factory factory)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        factory_(std::move(factory)) {}

  // The child for `values` (one per label name; missing ones are empty, extra
  // ones ignored).
  Metric& labels(LabelValues values) {
    values.resize(label_names_.size());
    std::lock_guard lock(mutex_);
    auto& slot = children_[std::move(values)];
    if (!slot) slot = factory_();
    return *slot;
  }

  // Calls fn(values, metric) for every child, in label order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, metric] : children_) fn(values, *metric);
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const Factory factory_;
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Metric>> children_;
};

}  // namespace regcache::metrics
