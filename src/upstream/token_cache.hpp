#pragma once
// TokenCache: bearer tokens per (realm, service, scope), kept until they expire
// minus a safety margin. Concurrent requests for the same key share one fetch:
// the first caller fetches, the others wait for its result (token or failure).
// With a SharedTokenStore, that fetch first looks for another node's token.

#include <chrono>
#include <compare>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "upstream/shared_token_store.hpp"
#include "upstream/upstream_failure.hpp"
#include "util/result.hpp"

namespace regcache::upstream {

struct TokenKey {
  std::string realm;
  std::string service;
  std::string scope;  // space-separated, sorted scopes
  auto operator<=>(const TokenKey&) const = default;
};

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  using Fetched = FetchedToken;
  using Fetch = SharedTokenStore::Fetch;

  // `now` is injectable for tests. A token is used until
  // lifetime - min(margin, lifetime / 2) after it was fetched. At most
  // `max_entries` keys are kept (expired ones are dropped first).
  explicit TokenCache(Now now = &Clock::now, std::chrono::seconds margin = std::chrono::seconds(10),
                      size_t max_entries = 4096);

  // A valid cached token, or the result of `fetch` (called without the lock
  // held, at most once at a time per key).
  Result<std::string, UpstreamFailure> get(const TokenKey& key, const Fetch& fetch);

  // Forgets `token` for `key` (the registry rejected it); a newer token stays.
  void invalidate(const TokenKey& key, const std::string& token);

  size_t size() const;

  // Before the first get(): share tokens with other nodes through `store`.
  // `partition` (the upstream account) keeps different credentials apart.
  void share(SharedTokenStore* store, std::string partition);

 private:
  struct Flight {
    bool done = false;
    std::optional<Result<std::string, UpstreamFailure>> result;
  };
  struct Entry {
    std::string token;
    Clock::time_point valid_until{};
    std::shared_ptr<Flight> flight;  // the fetch in progress, shared with its waiters
  };

  void prune_locked(Clock::time_point now);
  std::string shared_key(const TokenKey& key) const;

  const Now now_;
  const std::chrono::seconds margin_;
  const size_t max_entries_;
  SharedTokenStore* shared_ = nullptr;
  std::string partition_;
  mutable std::mutex mutex_;
  std::condition_variable fetched_;
  std::map<TokenKey, Entry> entries_;  // guarded by mutex_
};

}  // namespace regcache::upstream
