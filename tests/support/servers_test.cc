// Tests for the test support itself: the private redis-server child (start, SIGKILL, restart,
// SIGSTOP / SIGCONT, no leftover process), unique prefixes, free ports and URL variables.
#include "tests/support/servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "procs/loopback_probe.h"

namespace slotsim::testing {
namespace {

enum class PingResult { kPong, kRefused, kTimedOut, kOther };

// One inline PING over a fresh socket with a 200 ms read timeout.
PingResult Ping(int port) {
  const LoopbackAnswer a =
      LoopbackExchange(port, "PING\r\n", Millis(200), [](const std::string&) { return true; });
  switch (a.outcome) {
    case LoopbackAnswer::Outcome::kReply:
      return a.reply.rfind("+PONG", 0) == 0 ? PingResult::kPong : PingResult::kOther;
    case LoopbackAnswer::Outcome::kRefused:
      return PingResult::kRefused;
    case LoopbackAnswer::Outcome::kTimedOut:
      return PingResult::kTimedOut;
    case LoopbackAnswer::Outcome::kError:
      return PingResult::kOther;
  }
  return PingResult::kOther;
}

// A fake server on 127.0.0.1:port that answers "+PONG" to anything, until destroyed.
class FakePongServer {
 public:
  explicit FakePongServer(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listening_ =
        bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd_, 16) == 0;
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakePongServer() {
    done_ = true;
    thread_.join();
    close(fd_);
  }
  bool listening() const { return listening_; }

 private:
  void Serve() {
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) != 1) continue;
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      char buf[256];
      if (recv(conn, buf, sizeof(buf), 0) > 0) send(conn, "+PONG\r\n", 7, MSG_NOSIGNAL);
      close(conn);
    }
  }

  int fd_ = -1;
  bool listening_ = false;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

bool ProcessExists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

class RedisProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RedisProcess::Start();
    if (!started.ok() && started.status().code() == Code::kNotFound && !ServersRequired()) {
      GTEST_SKIP() << started.status().ToString();
    }
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    redis_ = std::move(started).value();
  }

  std::unique_ptr<RedisProcess> redis_;
};

TEST_F(RedisProcessTest, StartedServerAnswersPingOnLoopbackPort) {
  EXPECT_GT(redis_->port(), 0);
  EXPECT_GT(redis_->pid(), 0);
  EXPECT_EQ(redis_->url().host, "127.0.0.1");
  EXPECT_EQ(redis_->url().port, redis_->port());
  EXPECT_EQ(Ping(redis_->port()), PingResult::kPong);
}

TEST_F(RedisProcessTest, KilledServerRefusesConnections) {
  const pid_t pid = redis_->pid();
  redis_->Kill();
  EXPECT_EQ(Ping(redis_->port()), PingResult::kRefused);
  EXPECT_FALSE(ProcessExists(pid));
}

TEST_F(RedisProcessTest, RestartAfterKillAnswersOnSamePort) {
  const int port = redis_->port();
  redis_->Kill();
  ASSERT_EQ(Ping(port), PingResult::kRefused);
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_EQ(redis_->port(), port);
  EXPECT_EQ(Ping(port), PingResult::kPong);
}

TEST_F(RedisProcessTest, RestartFailsWhileAnotherServerHoldsThePort) {
  const int port = redis_->port();
  redis_->Kill();
  {
    FakePongServer fake(port);
    ASSERT_TRUE(fake.listening());
    ASSERT_EQ(Ping(port), PingResult::kPong);
    const auto start = std::chrono::steady_clock::now();
    const Status st = redis_->Restart();
    EXPECT_FALSE(st.ok()) << "an impostor's PONG was taken for our server";
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
  EXPECT_TRUE(redis_->Restart().ok());
  EXPECT_EQ(Ping(port), PingResult::kPong);
}

TEST_F(RedisProcessTest, StoppedServerAcceptsConnectionsButDoesNotAnswer) {
  redis_->Stop();
  // The kernel completes the handshake, so this is a timeout, not a refusal.
  EXPECT_EQ(Ping(redis_->port()), PingResult::kTimedOut);
  redis_->Continue();
  EXPECT_EQ(Ping(redis_->port()), PingResult::kPong);
}

TEST_F(RedisProcessTest, DestructorLeavesNoProcessNorDirectory) {
  const pid_t pid = redis_->pid();
  ASSERT_TRUE(ProcessExists(pid));
  // redis-server runs in its private dir (--dir chdirs there).
  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  redis_.reset();
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST_F(RedisProcessTest, DestructorEndsAStoppedServer) {
  const pid_t pid = redis_->pid();
  const int port = redis_->port();
  redis_->Stop();
  redis_.reset();
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_EQ(Ping(port), PingResult::kRefused);
}

TEST(UniquePrefixTest, PrefixesAreDistinctShortAndSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string p = UniquePrefix("Booking-Table/With A Very Long Tag Name");
    EXPECT_TRUE(seen.insert(p).second) << p;
    EXPECT_LE(p.size(), 24u) << p;
    EXPECT_EQ(p.front(), 't') << p;
    EXPECT_EQ(p.back(), '_') << p;
    for (char c : p) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << p;
    }
  }
}

TEST(UniquePrefixTest, PrefixCarriesPidAndTag) {
  const std::string p = UniquePrefix("mq");
  EXPECT_EQ(p.rfind("t" + std::to_string(getpid()) + "_", 0), 0u) << p;
  EXPECT_NE(p.find("_mq_"), std::string::npos) << p;
}

TEST(FreeLoopbackPortTest, PortCanBeBound) {
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  ASSERT_LT(port, 65536);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
  close(fd);
}

TEST(SharedUrlTest, WellFormedVariablesAreParsed) {
  // The statements run in a death-test child so this process's environment is untouched.
  EXPECT_EXIT(
      {
        setenv("SLOTSIM_REDIS_URL", "redis://127.0.0.1:6390/2", 1);
        setenv("SLOTSIM_MYSQL_URL", "mysql://u:p@127.0.0.1:3310/db", 1);
        auto r = SharedRedisUrl();
        auto m = SharedMySqlUrl();
        std::exit(r && r->port == 6390 && r->db == 2 && m && m->port == 3310 && m->user == "u" &&
                          m->database == "db"
                      ? 0
                      : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SharedUrlTest, UnsetOrEmptyVariableMeansNoServer) {
  EXPECT_EXIT(
      {
        unsetenv("SLOTSIM_REDIS_URL");
        setenv("SLOTSIM_MYSQL_URL", "", 1);
        std::exit(!SharedRedisUrl() && !SharedMySqlUrl() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SharedUrlTest, MalformedVariableAbortsWithItsName) {
  EXPECT_DEATH(
      {
        setenv("SLOTSIM_REDIS_URL", "redis://localhost", 1);
        SharedRedisUrl();
      },
      "SLOTSIM_REDIS_URL is set but malformed");
  EXPECT_DEATH(
      {
        setenv("SLOTSIM_MYSQL_URL", "mysql://127.0.0.1:3306/x", 1);
        SharedMySqlUrl();
      },
      "SLOTSIM_MYSQL_URL is set but malformed");
}

TEST(ServersRequiredTest, OnlyTheValueOneRequiresServers) {
  EXPECT_EXIT(
      {
        setenv("SLOTSIM_REQUIRE_SERVERS", "1", 1);
        const bool one = ServersRequired();
        setenv("SLOTSIM_REQUIRE_SERVERS", "0", 1);
        const bool zero = ServersRequired();
        unsetenv("SLOTSIM_REQUIRE_SERVERS");
        const bool unset = ServersRequired();
        std::exit(one && !zero && !unset ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace slotsim::testing
