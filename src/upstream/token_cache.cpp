#include "upstream/token_cache.hpp"

#include <algorithm>
#include <utility>

namespace regcache::upstream {

TokenCache::TokenCache(Now now, std::chrono::seconds margin, size_t max_entries)
    : now_(std::move(now)), margin_(margin), max_entries_(std::max<size_t>(max_entries, 1)) {}

Result<std::string, UpstreamFailure> TokenCache::get(const TokenKey& key, const Fetch& fetch) {
  std::unique_lock lock(mutex_);
  Entry& entry = entries_[key];
  if (!entry.token.empty() && now_() < entry.valid_until) return entry.token;
  if (entry.flight) {
    std::shared_ptr<Flight> flight = entry.flight;
    fetched_.wait(lock, [&] { return flight->done; });
    return *flight->result;
  }
  auto flight = std::make_shared<Flight>();
  entry.flight = flight;
  lock.unlock();

  std::optional<Result<Fetched, UpstreamFailure>> fetched;
  try {
    fetched.emplace(shared_ != nullptr ? shared_->fetch_through(shared_key(key), fetch) : fetch());
  } catch (...) {  // waiters must never be left hanging
    fetched.emplace(fail(UpstreamFailure{FailureKind::protocol, 0, "token fetch failed", {}}));
  }

  lock.lock();
  const auto now = now_();
  Entry& same = entries_[key];  // map references stay valid; entries with a flight are not pruned
  if (fetched->ok()) {
    const auto lifetime = (*fetched)->lifetime;
    same.token = (*fetched)->token;
    same.valid_until = now + lifetime - std::min(margin_, lifetime / 2);
    flight->result.emplace(same.token);
  } else {
    flight->result.emplace(fail(fetched->error()));
  }
  same.flight.reset();
  flight->done = true;
  prune_locked(now);
  fetched_.notify_all();
  return *flight->result;
}

void TokenCache::invalidate(const TokenKey& key, const std::string& token) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.token == token) {
      it->second.token.clear();
      it->second.valid_until = {};
    }
  }
  if (shared_ != nullptr) shared_->forget(shared_key(key), token);
}

void TokenCache::share(SharedTokenStore* store, std::string partition) {
  shared_ = store;
  partition_ = std::move(partition);
}

std::string TokenCache::shared_key(const TokenKey& key) const {
  // Newlines cannot occur in URLs, service names or scopes.
  return partition_ + '\n' + key.realm + '\n' + key.service + '\n' + key.scope;
}

size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void TokenCache::prune_locked(Clock::time_point now) {
  if (entries_.size() <= max_entries_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool idle = !it->second.flight;
    bool expired = it->second.token.empty() || now >= it->second.valid_until;
    it = idle && expired ? entries_.erase(it) : std::next(it);
  }
  // Still too many valid tokens: drop the ones that expire first.
  while (entries_.size() > max_entries_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!it->second.flight &&
          (victim == entries_.end() || it->second.valid_until < victim->second.valid_until)) {
        victim = it;
      }
    }
    if (victim == entries_.end()) break;
    entries_.erase(victim);
  }
}

}  // namespace regcache::upstream
