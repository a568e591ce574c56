#include "cache/direct_blob_stream.hpp"

#include <gtest/gtest.h>

#include <future>

#include "cache/fake_upstream.hpp"
#include "cache/storage_status.hpp"

using namespace regcache;
using cache::DirectBlobStream;

namespace {

class DirectBlobStreamTest : public ::testing::Test {
 protected:
  ~DirectBlobStreamTest() override {
    upstream_.release_downloads();
    workers_.join();
  }

  std::shared_ptr<DirectBlobStream> start(const std::string& digest) {
    return DirectBlobStream::start(workers_, upstream_, "library/a",
                                   *registry::Digest::parse(digest), [this] { ++ended_; });
  }

  // Takes everything until the stream ends, waiting without sleeping.
  static std::string drain(DirectBlobStream& stream) {
    std::string out;
    while (true) {
      stream.take(out, DirectBlobStream::kWindow);
      auto state = stream.state();
      if (state == DirectBlobStream::State::failed) return out;
      if (state == DirectBlobStream::State::complete) {
        stream.take(out, SIZE_MAX);
        return out;
      }
      std::promise<void> ready;
      stream.notify_when_ready([&ready] { ready.set_value(); });
      ready.get_future().wait();
    }
  }

  test_support::FakeUpstream upstream_;
  asio::thread_pool workers_{2};
  std::atomic<int> ended_{0};
};

TEST_F(DirectBlobStreamTest, DeliversVerifiedContentThroughABoundedWindow) {
  std::string content(3 * DirectBlobStream::kWindow + 17, 'z');
  content[12345] = 'q';
  auto digest = upstream_.add_blob("library/a", content);
  auto stream = start(digest);
  EXPECT_EQ(drain(*stream), content);
  EXPECT_EQ(stream->state(), DirectBlobStream::State::complete);
  EXPECT_EQ(stream->total_size(), content.size());
  workers_.join();
  EXPECT_EQ(ended_, 1);
}

TEST_F(DirectBlobStreamTest, MismatchedContentEndsFailed) {
  auto digest = upstream_.add_blob("library/a", "the real content");
  upstream_.corrupt(digest, "something else!!");
  auto stream = start(digest);
  drain(*stream);
  EXPECT_EQ(stream->state(), DirectBlobStream::State::failed);
  EXPECT_EQ(stream->failure()->kind, upstream::FailureKind::protocol);
}

TEST_F(DirectBlobStreamTest, CancelReleasesAProducerWaitingForRoom) {
  std::string content(4 * DirectBlobStream::kWindow, 'x');
  auto digest = upstream_.add_blob("library/a", content);
  auto stream = start(digest);
  // Nobody reads: the producer fills the window and waits; cancel must free it.
  std::promise<void> started;
  stream->notify_when_ready([&started] { started.set_value(); });
  started.get_future().wait();
  stream->cancel();
  workers_.join();  // returns: the transfer stopped
  EXPECT_EQ(ended_, 1);
  EXPECT_EQ(stream->state(), DirectBlobStream::State::failed);
}

TEST(StorageStatus, PausesOnceAndResumes) {
  cache::StorageStatus status;
  EXPECT_TRUE(status.caching());
  EXPECT_EQ(status.resume_threshold(100), 0u);
  status.report_write_failure(std::make_error_code(std::errc::no_space_on_device), 5000, 10);
  status.report_write_failure(std::make_error_code(std::errc::no_space_on_device), 7000, 11);
  EXPECT_FALSE(status.caching());
  auto state = status.state();
  EXPECT_EQ(state.since, 10);
  EXPECT_NE(state.reason.find("No space left on device"), std::string::npos);
  EXPECT_EQ(status.resume_threshold(100), 7100u) << "room for the largest failed write";
  status.resume(20);
  EXPECT_TRUE(status.caching());
  EXPECT_TRUE(status.state().reason.empty());
  EXPECT_TRUE(cache::is_out_of_space(std::make_error_code(std::errc::no_space_on_device)));
  EXPECT_FALSE(cache::is_out_of_space(std::make_error_code(std::errc::io_error)));
}

}  // namespace
