#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "metrics/exposition.hpp"

namespace regcache::metrics {
namespace {

TEST(Counter, SumsIncrementsFromManyThreads) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.inc();
    });
  }
  for (auto& t : threads) t.join();
  counter.inc(5);
  EXPECT_EQ(counter.value(), 80005u);
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_help("x\\y\nz\""), "x\\\\y\\nz\"");
}

TEST(Exposition, FormatsValues) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(Registry, CounterFamilyWithLabels) {
  Registry registry;
  auto& requests = registry.counter("t_requests_total", "Requests.", {"method", "status"});
  requests.labels({"GET", "200"}).inc(2);
  requests.labels({"HEAD", "404"}).inc();
  requests.labels({"GET", "200"}).inc();
  EXPECT_EQ(registry.expose(),
            "# HELP t_requests_total Requests.\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{method=\"GET\",status=\"200\"} 3\n"
            "t_requests_total{method=\"HEAD\",status=\"404\"} 1\n");
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  auto& h = registry.histogram("t_seconds", "Latency.", {"route"}, {0.1, 1, 10});
  auto& blob = h.labels({"blob"});
  blob.observe(0.05);
  blob.observe(0.1);  // le is inclusive
  blob.observe(5);
  blob.observe(50);
  EXPECT_EQ(registry.expose(),
            "# HELP t_seconds Latency.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{route=\"blob\",le=\"0.1\"} 2\n"
            "t_seconds_bucket{route=\"blob\",le=\"1\"} 2\n"
            "t_seconds_bucket{route=\"blob\",le=\"10\"} 3\n"
            "t_seconds_bucket{route=\"blob\",le=\"+Inf\"} 4\n"
            "t_seconds_sum{route=\"blob\"} 55.15\n"
            "t_seconds_count{route=\"blob\"} 4\n");
}

TEST(Registry, GaugesAndCollectorsInRegistrationOrder) {
  Registry registry;
  registry.gauge("t_temperature", "A gauge.").labels({}).set(-1.5);
  registry.add_collector("t_quota", "Collected.", Type::gauge, {"upstream"},
                         [](std::vector<Sample>& out) {
                           out.push_back({{"docker.io"}, 76});
                           out.push_back({{"q\"x"}, 1});
                         });
  registry.add_collector("t_empty", "Nothing yet.", Type::counter, {}, [](std::vector<Sample>&) {});
  EXPECT_EQ(registry.expose(),
            "# HELP t_temperature A gauge.\n"
            "# TYPE t_temperature gauge\n"
            "t_temperature -1.5\n"
            "# HELP t_quota Collected.\n"
            "# TYPE t_quota gauge\n"
            "t_quota{upstream=\"docker.io\"} 76\n"
            "t_quota{upstream=\"q\\\"x\"} 1\n"
            "# HELP t_empty Nothing yet.\n"
            "# TYPE t_empty counter\n");
}

TEST(Registry, RefusesADuplicateName) {
  Registry registry;
  registry.counter("t_total", "x");
  EXPECT_THROW(registry.gauge("t_total", "y"), std::logic_error);
}

TEST(Family, ChildrenKeepTheirAddress) {
  Registry registry;
  auto& family = registry.counter("t_total", "x", {"a"});
  Counter* first = &family.labels({"1"});
  for (int i = 0; i < 100; ++i) family.labels({std::to_string(i)});
  EXPECT_EQ(first, &family.labels({"1"}));
}

}  // namespace
}  // namespace regcache::metrics
