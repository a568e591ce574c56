#include "upstream/token_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <thread>
#include <vector>

namespace regcache::upstream {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  TokenCache::Clock::time_point now{};
  TokenCache::Now fn() {
    return [this] { return now; };
  }
};

const TokenKey kAlpine{"https://auth/token", "registry", "repository:library/alpine:pull"};
const TokenKey kBusybox{"https://auth/token", "registry", "repository:library/busybox:pull"};

TokenCache::Fetch fetch_counting(int& calls, std::string token, std::chrono::seconds lifetime) {
  return [&calls, token, lifetime]() -> Result<TokenCache::Fetched, UpstreamFailure> {
    ++calls;
    return TokenCache::Fetched{token + "-" + std::to_string(calls), lifetime};
  };
}

TEST(TokenCache, KeepsTokenUntilExpiryMinusMargin) {
  FakeClock clock;
  TokenCache cache(clock.fn(), 10s);
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 60s);
  EXPECT_EQ(cache.get(kAlpine, fetch).value(), "tok-1");
  clock.now += 49s;
  EXPECT_EQ(cache.get(kAlpine, fetch).value(), "tok-1");
  EXPECT_EQ(calls, 1);
  clock.now += 1s;  // 60 s - 10 s margin reached
  EXPECT_EQ(cache.get(kAlpine, fetch).value(), "tok-2");
  EXPECT_EQ(calls, 2);
}

TEST(TokenCache, MarginNeverEatsMoreThanHalfTheLifetime) {
  FakeClock clock;
  TokenCache cache(clock.fn(), 10s);
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 8s);
  cache.get(kAlpine, fetch);
  clock.now += 3s;
  cache.get(kAlpine, fetch);
  EXPECT_EQ(calls, 1);
  clock.now += 1s;  // 8 s - 4 s
  cache.get(kAlpine, fetch);
  EXPECT_EQ(calls, 2);
}

TEST(TokenCache, TokensArePerScope) {
  FakeClock clock;
  TokenCache cache(clock.fn());
  int alpine_calls = 0, busybox_calls = 0;
  auto alpine = fetch_counting(alpine_calls, "alpine", 300s);
  auto busybox = fetch_counting(busybox_calls, "busybox", 300s);
  EXPECT_EQ(cache.get(kAlpine, alpine).value(), "alpine-1");
  EXPECT_EQ(cache.get(kBusybox, busybox).value(), "busybox-1");
  EXPECT_EQ(cache.get(kAlpine, alpine).value(), "alpine-1");
  TokenKey other_service = kAlpine;
  other_service.service = "other";
  EXPECT_EQ(cache.get(other_service, alpine).value(), "alpine-2");
  EXPECT_EQ(busybox_calls, 1);
}

TEST(TokenCache, InvalidateDropsOnlyThatToken) {
  FakeClock clock;
  TokenCache cache(clock.fn());
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 300s);
  cache.get(kAlpine, fetch);
  cache.invalidate(kAlpine, "stale-token");  // not the cached one: kept
  EXPECT_EQ(cache.get(kAlpine, fetch).value(), "tok-1");
  cache.invalidate(kAlpine, "tok-1");
  EXPECT_EQ(cache.get(kAlpine, fetch).value(), "tok-2");
}

TEST(TokenCache, FailuresAreNotCached) {
  FakeClock clock;
  TokenCache cache(clock.fn());
  int calls = 0;
  auto failing = [&calls]() -> Result<TokenCache::Fetched, UpstreamFailure> {
    ++calls;
    return fail(UpstreamFailure{FailureKind::unauthorized, 401, "no", {}});
  };
  auto first = cache.get(kAlpine, failing);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, FailureKind::unauthorized);
  EXPECT_FALSE(cache.get(kAlpine, failing));
  EXPECT_EQ(calls, 2);
}

TEST(TokenCache, ConcurrentCallersShareOneFetch) {
  TokenCache cache;
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> calls{0};
  std::atomic<int> entered{0};
  auto slow = [&]() -> Result<TokenCache::Fetched, UpstreamFailure> {
    ++calls;
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return release; });
    return TokenCache::Fetched{"shared", 300s};
  };
  constexpr int kThreads = 8;
  std::vector<std::string> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++entered;
      results[i] = cache.get(kAlpine, slow).value();
    });
  }
  while (entered < kThreads) std::this_thread::yield();
  std::this_thread::sleep_for(50ms);  // let every thread reach the cache
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls, 1);
  for (const auto& r : results) EXPECT_EQ(r, "shared");
}

TEST(TokenCache, WaitersShareAFailure) {
  TokenCache cache;
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> calls{0};
  auto slow_fail = [&]() -> Result<TokenCache::Fetched, UpstreamFailure> {
    ++calls;
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return release; });
    return fail(UpstreamFailure{FailureKind::unauthorized, 401, "bad password", {}});
  };
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (!cache.get(kAlpine, slow_fail)) ++failures;
    });
  }
  std::this_thread::sleep_for(50ms);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 4);
  EXPECT_LE(calls, 4);
  EXPECT_GE(calls, 1);
}

TEST(TokenCache, BoundedNumberOfEntries) {
  FakeClock clock;
  TokenCache cache(clock.fn(), 10s, 3);
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 300s);
  for (int i = 0; i < 10; ++i) {
    cache.get(TokenKey{"realm", "svc", "repository:r" + std::to_string(i) + ":pull"}, fetch);
  }
  EXPECT_LE(cache.size(), 3u);
}

// What another node put in Redis, in memory.
struct MemoryTokenStore : SharedTokenStore {
  std::map<std::string, FetchedToken> tokens;
  std::vector<std::string> keys;
  bool reachable = true;
  Result<FetchedToken, UpstreamFailure> fetch_through(const std::string& key,
                                                      const Fetch& fetch) override {
    keys.push_back(key);
    if (!reachable) return fetch();
    if (auto it = tokens.find(key); it != tokens.end()) return it->second;
    auto fetched = fetch();
    if (fetched.ok()) tokens[key] = *fetched;
    return fetched;
  }
  void forget(const std::string& key, const std::string& token) override {
    if (auto it = tokens.find(key); it != tokens.end() && it->second.token == token) {
      tokens.erase(it);
    }
  }
};

TEST(TokenCache, NodesSharingAStoreFetchATokenOnce) {
  FakeClock clock;
  MemoryTokenStore store;
  TokenCache node_a(clock.fn(), 10s), node_b(clock.fn(), 10s);
  node_a.share(&store, "labuser");
  node_b.share(&store, "labuser");
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 60s);
  EXPECT_EQ(node_a.get(kAlpine, fetch).value(), "tok-1");
  EXPECT_EQ(node_b.get(kAlpine, fetch).value(), "tok-1");
  EXPECT_EQ(calls, 1);
  // The in-process cache stays in front: no second look-up for a valid token.
  node_b.get(kAlpine, fetch);
  EXPECT_EQ(store.keys.size(), 2u);
  // Another account is another token.
  TokenCache other(clock.fn(), 10s);
  other.share(&store, "someone-else");
  EXPECT_EQ(other.get(kAlpine, fetch).value(), "tok-2");
}

TEST(TokenCache, ARejectedTokenIsForgottenForAllNodes) {
  FakeClock clock;
  MemoryTokenStore store;
  TokenCache node_a(clock.fn(), 10s), node_b(clock.fn(), 10s);
  node_a.share(&store, "");
  node_b.share(&store, "");
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 60s);
  node_a.get(kAlpine, fetch);
  node_a.invalidate(kAlpine, "tok-1");
  EXPECT_EQ(node_b.get(kAlpine, fetch).value(), "tok-2");
}

TEST(TokenCache, AnUnreachableStoreLeavesEachNodeFetching) {
  FakeClock clock;
  MemoryTokenStore store;
  store.reachable = false;
  TokenCache node_a(clock.fn(), 10s), node_b(clock.fn(), 10s);
  node_a.share(&store, "");
  node_b.share(&store, "");
  int calls = 0;
  auto fetch = fetch_counting(calls, "tok", 60s);
  EXPECT_EQ(node_a.get(kAlpine, fetch).value(), "tok-1");
  EXPECT_EQ(node_b.get(kAlpine, fetch).value(), "tok-2");
}

}  // namespace
}  // namespace regcache::upstream
