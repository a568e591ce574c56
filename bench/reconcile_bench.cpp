// Measures start-up reconciliation (lifecycle::reconcile) with many cached
// blobs: opening the index (which loads it into memory) and checking it
// against the files, for a consistent cache and for one left by a crash.
//
//   build/regcache_reconcile_bench [COUNT=100000] [DIR=/tmp]
//   (cmake -DREGCACHE_BUILD_BENCH=ON; with --drop-caches, as root, the page
//   cache is dropped before each measurement: a cold start after a reboot)
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "index/cache_index.hpp"
#include "lifecycle/reconciler.hpp"
#include "storage/filesystem_content_store.hpp"
#include "util/sha256.hpp"

using namespace regcache;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void drop_caches(bool enabled) {
  if (!enabled) return;
  ::sync();
  std::ofstream("/proc/sys/vm/drop_caches") << "3\n";
}

void measure(const char* label, storage::FilesystemContentStore& store, bool cold) {
  drop_caches(cold);
  auto start = Clock::now();
  index::CacheIndex index(store.data_dir() / "index.sqlite");
  double open_ms = ms_since(start);
  start = Clock::now();
  auto report = lifecycle::reconcile(index, store);
  double reconcile_ms = ms_since(start);
  fmt::print(
      "{:<28} open index {:8.1f} ms   reconcile {:8.1f} ms   ({} files, {} forgotten, {} "
      "orphans removed)\n",
      label, open_ms, reconcile_ms, report.files, report.forgotten, report.orphans_removed);
}

}  // namespace

int main(int argc, char** argv) {
  bool cold = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--drop-caches") {
      cold = true;
    } else {
      args.push_back(a);
    }
  }
  const size_t count = args.size() > 0 ? std::stoul(args[0]) : 100000;
  const std::filesystem::path base = args.size() > 1 ? args[1] : "/tmp";
  const auto root = base / fmt::format("regcache-reconcile-bench-{}", ::getpid());
  spdlog::set_level(spdlog::level::warn);

  {
    storage::FilesystemContentStore store(root);
    index::CacheIndex index(store.data_dir() / "index.sqlite");
    auto start = Clock::now();
    for (size_t i = 0; i < count; ++i) {
      std::string content = fmt::format("blob {:012}", i);
      auto digest = *registry::Digest::parse("sha256:" + Sha256::hex_of(content));
      auto staging = store.create_staging().value();
      staging->append(std::span<const char>(content.data(), content.size()));
      store.publish(*staging, digest);
      index.put_object({digest, content.size(), "", 1, 1});
    }
    fmt::print("setup: {} blobs in {:.1f} s\n", count, ms_since(start) / 1000);
  }
  storage::FilesystemContentStore store(root);
  measure("consistent cache:", store, cold);

  // After a crash: 1% of the files lost, 1% unindexed files, a staging file.
  for (size_t i = 0; i < count / 100; ++i) {
    std::string lost = fmt::format("blob {:012}", i);
    std::filesystem::remove(
        store.path_of(*registry::Digest::parse("sha256:" + Sha256::hex_of(lost))));
    std::string orphan = fmt::format("orphan {:012}", i);
    auto staging = store.create_staging().value();
    staging->append(std::span<const char>(orphan.data(), orphan.size()));
    store.publish(*staging, *registry::Digest::parse("sha256:" + Sha256::hex_of(orphan)));
  }
  std::ofstream(store.data_dir() / "staging" / "crash.part") << "partial";
  measure("after a crash (1% damage):", store, cold);

  std::filesystem::remove_all(root);
  return 0;
}
