#include "util/stderr_batch.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace regcache {
namespace {

// Points stderr at a pipe for the test and reads back what reached it.
class CapturedStderr {
 public:
  CapturedStderr() {
    EXPECT_EQ(::pipe2(pipe_, O_NONBLOCK), 0);
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(pipe_[1], STDERR_FILENO);
  }
  ~CapturedStderr() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  // Everything written so far, and how many reads it took (one per write(2),
  // as long as the pipe is not full).
  std::string drain() {
    std::string out;
    char buffer[65536];
    for (ssize_t n; (n = ::read(pipe_[0], buffer, sizeof buffer)) > 0;) out.append(buffer, n);
    return out;
  }

 private:
  int pipe_[2]{-1, -1};
  int saved_ = -1;
};

TEST(StderrBatch, LinesOfAnUnattachedThreadGoOutAtOnce) {
  CapturedStderr captured;
  stderr_batch::write("one\n");
  EXPECT_EQ(captured.drain(), "one\n");
}

TEST(StderrBatch, LinesOfAnIoThreadGoOutTogetherWhenItsLoopTurns) {
  CapturedStderr captured;
  asio::io_context io(1);
  stderr_batch::attach(io);
  stderr_batch::write("first\n");
  stderr_batch::write("second\n");
  EXPECT_EQ(captured.drain(), "");  // nothing before the loop gets to the flush
  io.run();
  EXPECT_EQ(captured.drain(), "first\nsecond\n");
  stderr_batch::write("third\n");
  stderr_batch::detach();  // a thread leaving its loop writes what it holds
  EXPECT_EQ(captured.drain(), "third\n");
}

TEST(StderrBatch, AFullBatchIsWrittenBeforeItGrowsPastAPipeWrite) {
  CapturedStderr captured;
  asio::io_context io(1);
  stderr_batch::attach(io);
  const std::string line(1000, 'x');
  for (int i = 0; i < 5; ++i) stderr_batch::write(line + "\n");
  // 4 lines fit in PIPE_BUF (4096); the fifth forced them out and waits.
  EXPECT_EQ(captured.drain().size(), 4 * 1001u);
  stderr_batch::detach();
  EXPECT_EQ(captured.drain().size(), 1001u);
}

}  // namespace
}  // namespace regcache
