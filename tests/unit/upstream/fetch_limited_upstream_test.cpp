#include "upstream/fetch_limited_upstream.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace regcache::upstream {
namespace {

// An upstream whose blob fetch blocks until released, counting the calls.
class BlockingUpstream final : public UpstreamRegistry {
 public:
  std::atomic<int> fetches{0};
  std::atomic<int> heads{0};
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};

  Result<ManifestResponse, UpstreamFailure> get_manifest(const std::string&, const std::string&,
                                                         bool head_only,
                                                         const CallContext&) override {
    (head_only ? heads : fetches)++;
    return ManifestResponse{"sha256:x", "application/json", 2, head_only ? "" : "{}"};
  }
  Result<BlobInfo, UpstreamFailure> head_blob(const std::string&, const std::string&,
                                              const CallContext&) override {
    heads++;
    return BlobInfo{1};
  }
  Result<BlobInfo, UpstreamFailure> fetch_blob(const std::string&, const std::string&, BlobSink&,
                                               std::stop_token, const CallContext&) override {
    fetches++;
    entered = true;
    for (int i = 0; i < 3000 && !release; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return BlobInfo{1};
  }
  Result<PassthroughResponse, UpstreamFailure> list_tags(const std::string&, const std::string&,
                                                         const CallContext&) override {
    return PassthroughResponse{200, "application/json", "", "{}"};
  }
  const config::UpstreamConfig& upstream() const override { return config_; }

 private:
  config::UpstreamConfig config_;
};

class NullSink final : public BlobSink {
 public:
  void on_start(std::optional<uint64_t>) override {}
  bool on_data(std::span<const char>) override { return true; }
};

TEST(FetchLimitedUpstream, RefusesFetchesOverTheBudgetWithRetryAfter) {
  FetchBudget budget(1);
  auto inner = std::make_unique<BlockingUpstream>();
  auto* fake = inner.get();
  FetchLimitedUpstream limited(std::move(inner), budget);
  NullSink sink;

  std::thread first([&] { EXPECT_TRUE(limited.fetch_blob("r", "sha256:a", sink)); });
  for (int i = 0; i < 500 && !fake->entered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fake->entered);

  auto refused = limited.fetch_blob("r", "sha256:b", sink);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, FailureKind::too_many_requests);
  ASSERT_TRUE(refused.error().retry_after);
  EXPECT_EQ(*refused.error().retry_after, "5");
  EXPECT_FALSE(limited.get_manifest("r", "latest", false)) << "a manifest GET counts too";
  EXPECT_TRUE(limited.get_manifest("r", "latest", true)) << "HEAD is free";
  EXPECT_TRUE(limited.head_blob("r", "sha256:b"));
  EXPECT_TRUE(limited.list_tags("r", ""));
  EXPECT_EQ(fake->fetches.load(), 1);

  fake->release = true;
  first.join();
  EXPECT_EQ(budget.in_progress(), 0u);
  EXPECT_TRUE(limited.get_manifest("r", "latest", false));
  EXPECT_EQ(budget.in_progress(), 0u);
}

}  // namespace
}  // namespace regcache::upstream
