// The `slotsim serve` command itself: it prints where it listens, answers, exits 0 on SIGTERM,
// and exits 2 on every bad flag or URL.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace slotsim {
namespace {

using std::chrono::steady_clock;

std::unique_ptr<httplib::Client> ClientFor(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(2, 0);
  c->set_read_timeout(10, 0);
  return c;
}

class ServeCommandTest : public ::testing::Test {
 protected:
  // Starts `slotsim serve ARGS...` with stdout on a pipe (stderr discarded).
  void Spawn(const std::vector<std::string>& args) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, STDERR_FILENO);
      std::vector<char*> argv{const_cast<char*>(SLOTSIM_BINARY), const_cast<char*>("serve")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(SLOTSIM_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_fd_ = out[0];
  }

  // The first stdout line, waiting at most `limit`.
  std::string ReadLine(Millis limit) {
    std::string line;
    const auto until = steady_clock::now() + limit;
    while (steady_clock::now() < until) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char c;
      if (read(out_fd_, &c, 1) != 1 || c == '\n') break;
      line.push_back(c);
    }
    return line;
  }

  // The exit status, or -1 (after SIGKILL) when it does not exit within `limit`.
  int WaitExit(Millis limit) {
    const auto until = steady_clock::now() + limit;
    int status = 0;
    while (steady_clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(Millis(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }

  void TearDown() override {
    if (pid_ > 0) WaitExit(Millis(0));
    if (out_fd_ >= 0) close(out_fd_);
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
};

TEST_F(ServeCommandTest, MemoryServerAnswersAndExitsZeroOnSigterm) {
  Spawn({"--store", "memory", "--listen", "127.0.0.1:0", "--threads", "4"});
  const std::string line = ReadLine(Millis(10000));
  const size_t at = line.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << line;
  const int port = std::atoi(line.c_str() + at + 17);
  httplib::Result r = ClientFor(port)->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  kill(pid_, SIGTERM);
  EXPECT_EQ(WaitExit(Millis(10000)), 0);
}

TEST_F(ServeCommandTest, BadFlagsAndUrlsExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {},  // failover without URLs
      {"--store", "memory", "--threads", "0"},
      {"--store", "memory", "--threads", "-3"},
      {"--store", "memory", "--max-body", "-1"},  // a size_t would wrap this to 2^64 - 1
      {"--store", "memory", "--keep-alive-max", "0"},
      {"--store", "memory", "--keep-alive-timeout", "0"},
      {"--store", "memory", "--backlog", "70000"},
      {"--store", "memory", "--employees", "0"},
      {"--store", "memory", "--days-ahead", "-1"},
      {"--store", "memory", "--listen", "127.0.0.1:65536"},
      {"--store", "memory", "--listen", "nope"},
      {"--store", "disk"},
      {"--redis", "http://x", "--mysql", "mysql://u@127.0.0.1:1/db"},
      {"--redis", "redis://127.0.0.1:1", "--mysql", "mysql://nope"},
      {"--store", "memory", "--profile", "fast"},
      {"--store", "memory", "--hold-ttl", "soon"},
      {"--store", "memory", "--redis", "redis://127.0.0.1:1"},
      {"--bogus"},
  };
  for (const std::vector<std::string>& args : bad) {
    Spawn(args);
    std::string joined;
    for (const std::string& a : args) joined += a + " ";
    EXPECT_EQ(WaitExit(Millis(10000)), 2) << joined;
    close(out_fd_);
    out_fd_ = -1;
  }
}

}  // namespace
}  // namespace slotsim
