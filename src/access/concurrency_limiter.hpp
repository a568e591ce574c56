#pragma once
// ConcurrencyLimiter: at most `per_client` operations in progress per client
// key (regcache.limits.downloads_per_client). A Slot is held for the length
// of one operation and frees its place when destroyed. Thread-safe; memory is
// bounded by the operations in progress.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace regcache::access {

class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(uint32_t per_client) : per_client_(per_client) {}

  class Slot {
   public:
    Slot(ConcurrencyLimiter& owner, std::string client)
        : owner_(&owner), client_(std::move(client)) {}
    Slot(Slot&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), client_(std::move(other.client_)) {}
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        if (owner_ != nullptr) owner_->release(client_);
        owner_ = std::exchange(other.owner_, nullptr);
        client_ = std::move(other.client_);
      }
      return *this;
    }
    ~Slot() {
      if (owner_ != nullptr) owner_->release(client_);
    }

   private:
    ConcurrencyLimiter* owner_;
    std::string client_;
  };

  // A slot, or nullopt when the client already has `per_client` in progress.
  std::optional<Slot> try_acquire(const std::string& client);
  uint32_t in_progress(const std::string& client) const;

 private:
  void release(const std::string& client);

  const uint32_t per_client_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> counts_;
};

}  // namespace regcache::access
