#include "upstream/fetch_limited_upstream.hpp"

namespace regcache::upstream {
namespace {

// Fetches are short-lived; a few seconds is a fair guess for a slot to free.
constexpr const char* kRetryAfterSeconds = "5";

class BudgetSlot {
 public:
  explicit BudgetSlot(FetchBudget& budget) : budget_(budget) {}
  ~BudgetSlot() { budget_.release(); }
  BudgetSlot(const BudgetSlot&) = delete;
  BudgetSlot& operator=(const BudgetSlot&) = delete;

 private:
  FetchBudget& budget_;
};

}  // namespace

bool FetchBudget::try_acquire() {
  uint32_t current = in_progress_.load();
  while (current < max_) {
    if (in_progress_.compare_exchange_weak(current, current + 1)) return true;
  }
  return false;
}

void FetchBudget::release() { in_progress_.fetch_sub(1); }

UpstreamFailure FetchLimitedUpstream::over_budget() const {
  return {FailureKind::too_many_requests, 429,
          "regcache is already running " + std::to_string(budget_.max()) +
              " upstream fetches (regcache.limits.upstream_fetches); try again shortly",
          kRetryAfterSeconds};
}

Result<ManifestResponse, UpstreamFailure> FetchLimitedUpstream::get_manifest(
    const std::string& repository, const std::string& reference, bool head_only,
    const CallContext& call) {
  if (head_only) return inner_->get_manifest(repository, reference, head_only, call);
  if (!budget_.try_acquire()) return fail(over_budget());
  BudgetSlot slot(budget_);
  return inner_->get_manifest(repository, reference, head_only, call);
}

Result<BlobInfo, UpstreamFailure> FetchLimitedUpstream::fetch_blob(const std::string& repository,
                                                                   const std::string& digest,
                                                                   BlobSink& sink,
                                                                   std::stop_token stop,
                                                                   const CallContext& call) {
  if (!budget_.try_acquire()) return fail(over_budget());
  BudgetSlot slot(budget_);
  return inner_->fetch_blob(repository, digest, sink, std::move(stop), call);
}

}  // namespace regcache::upstream
