// Tests for managed servers: real redis-server and mariadbd children started by the tests
// themselves (no shared servers needed), their faults (SIGKILL, SIGSTOP / SIGCONT, restart with
// and without data), teardown, missing binaries, and the termination handlers that leave no
// server behind. One MariaDB is shared by the suite (its install takes seconds).
#include "procs/managed_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "engine/mysql_store.h"
#include "gtest/gtest.h"
#include "procs/child_registry.h"
#include "procs/loopback_probe.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Starts a server into `var`, or skips the test when its binary is missing (unless servers are
// required, as under scripts/test.sh).
#define START_OR_SKIP(var, expr)                                                 \
  auto var##_started = (expr);                                                   \
  if (!var##_started.ok() && var##_started.status().code() == Code::kNotFound && \
      !testing::ServersRequired()) {                                             \
    GTEST_SKIP() << var##_started.status().ToString();                           \
  }                                                                              \
  ASSERT_TRUE(var##_started.ok()) << var##_started.status().ToString();          \
  auto var = std::move(var##_started).value()

enum class Outcome { kReply, kRefused, kTimedOut, kError };
struct RedisAnswer {
  Outcome outcome = Outcome::kError;
  std::string reply;
};

// Sends one inline command over a fresh socket and reads one reply, with `timeout` on reads.
RedisAnswer RedisCommand(int port, const std::string& command,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(200)) {
  const LoopbackAnswer a =
      LoopbackExchange(port, command + "\r\n", timeout, [](const std::string&) { return true; });
  RedisAnswer answer;
  answer.reply = a.reply;
  switch (a.outcome) {
    case LoopbackAnswer::Outcome::kReply:
      answer.outcome = Outcome::kReply;
      break;
    case LoopbackAnswer::Outcome::kRefused:
      answer.outcome = Outcome::kRefused;
      break;
    case LoopbackAnswer::Outcome::kTimedOut:
      answer.outcome = Outcome::kTimedOut;
      break;
    case LoopbackAnswer::Outcome::kError:
      answer.outcome = Outcome::kError;
      break;
  }
  return answer;
}

// True while `pid` is a live process (a zombie is not: it runs nothing and holds no port).
bool ProcessRunning(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = content.rfind(')');
  if (paren == std::string::npos || paren + 2 >= content.size()) return false;
  return content[paren + 2] != 'Z' && content[paren + 2] != 'X';
}

bool WaitNotRunning(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (ProcessRunning(pid)) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool ProcessGone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// Sets PATH for one scope and restores it.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& value) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    setenv("PATH", value.c_str(), 1);
  }
  ~ScopedPath() {
    if (old_) {
      setenv("PATH", old_->c_str(), 1);
    } else {
      unsetenv("PATH");
    }
  }

 private:
  std::optional<std::string> old_;
};

class ManagedServersTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { shared_db_.reset(); }

  void SetUp() override {
    std::string templ = fs::temp_directory_path().string() + "/managed-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    scratch_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }

  // The suite's MariaDB, started on first use; null (with the reason in *why) if it cannot be.
  static ManagedMariaDb* SharedMariaDb(Status* why) {
    if (!shared_db_) {
      auto started = ManagedMariaDb::Start();
      if (!started.ok()) {
        *why = started.status();
        return nullptr;
      }
      shared_db_ = std::move(started).value();
    }
    return shared_db_.get();
  }

  static MySqlOptions StoreOptions(const MySqlUrl& url) {
    MySqlOptions o;
    o.url = url;
    o.connect_timeout_s = 1;
    o.read_timeout_s = 2;
    o.write_timeout_s = 2;
    o.table_prefix = testing::UniquePrefix("managed");
    return o;
  }

  static ConfirmRequest ConfirmOf(const std::string& key) {
    ConfirmRequest r;
    r.client_id = "alice";
    r.slot = SlotRef{7, "2026-03-02", "09:30"};
    r.idempotency_key = key;
    r.now = FromUnixMillis(1'772'000'000'000);
    return r;
  }

  static std::unique_ptr<ManagedMariaDb> shared_db_;
  std::string scratch_;  // an empty dir of this test's own, removed after it
};

std::unique_ptr<ManagedMariaDb> ManagedServersTest::shared_db_;

#define SHARED_MARIADB_OR_SKIP(var)                                                           \
  Status var##_why;                                                                           \
  ManagedMariaDb* var = SharedMariaDb(&var##_why);                                            \
  if (var == nullptr && var##_why.code() == Code::kNotFound && !testing::ServersRequired()) { \
    GTEST_SKIP() << var##_why.ToString();                                                     \
  }                                                                                           \
  ASSERT_NE(var, nullptr) << var##_why.ToString()

// ---- Redis ---------------------------------------------------------------------------------

TEST_F(ManagedServersTest, RedisStartsInItsOwnDirAndAnswersPing) {
  ManagedOptions options;
  options.dir = scratch_;
  START_OR_SKIP(redis, ManagedRedis::Start(options));
  EXPECT_GT(redis->pid(), 0);
  EXPECT_EQ(redis->url().host, "127.0.0.1");
  EXPECT_EQ(redis->url().port, redis->port());
  EXPECT_EQ(fs::path(redis->dir()).parent_path(), fs::path(scratch_));
  EXPECT_TRUE(fs::is_directory(redis->dir()));
  const RedisAnswer pong = RedisCommand(redis->port(), "PING");
  EXPECT_EQ(pong.outcome, Outcome::kReply);
  EXPECT_EQ(pong.reply, "+PONG\r\n");
  EXPECT_TRUE(redis->WaitReady(std::chrono::milliseconds(1000)).ok());
}

TEST_F(ManagedServersTest, KilledRedisRefusesConnectionsAndIsNotReady) {
  START_OR_SKIP(redis, ManagedRedis::Start());
  const pid_t pid = redis->pid();
  redis->Kill();
  EXPECT_FALSE(redis->running());
  EXPECT_EQ(redis->pid(), -1);
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_EQ(RedisCommand(redis->port(), "PING").outcome, Outcome::kRefused);
  EXPECT_EQ(redis->WaitReady(std::chrono::milliseconds(100)).code(), Code::kUnavailable);
}

TEST_F(ManagedServersTest, RedisRestartWithoutPersistenceComesBackEmpty) {
  START_OR_SKIP(redis, ManagedRedis::Start());
  const int port = redis->port();
  ASSERT_EQ(RedisCommand(port, "SET k v").reply, "+OK\r\n");
  redis->Kill();
  ASSERT_TRUE(redis->Restart().ok());
  EXPECT_EQ(redis->port(), port);
  EXPECT_EQ(RedisCommand(port, "GET k").reply, "$-1\r\n");
}

TEST_F(ManagedServersTest, RedisRestartWithPersistenceKeepsAcknowledgedWrites) {
  ManagedOptions options;
  options.persistent = true;
  START_OR_SKIP(redis, ManagedRedis::Start(options));
  const int port = redis->port();
  ASSERT_EQ(RedisCommand(port, "SET k v").reply, "+OK\r\n");
  redis->Kill();
  ASSERT_EQ(RedisCommand(port, "GET k").outcome, Outcome::kRefused);
  const Status restarted = redis->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  EXPECT_EQ(RedisCommand(port, "GET k").reply, "$1\r\nv\r\n");
}

TEST_F(ManagedServersTest, RestartOfARunningRedisReplacesTheProcess) {
  START_OR_SKIP(redis, ManagedRedis::Start());
  const pid_t old_pid = redis->pid();
  ASSERT_TRUE(redis->Restart().ok());
  EXPECT_NE(redis->pid(), old_pid);
  EXPECT_TRUE(ProcessGone(old_pid));
  EXPECT_EQ(RedisCommand(redis->port(), "PING").reply, "+PONG\r\n");
}

TEST_F(ManagedServersTest, StoppedRedisAcceptsConnectionsButCommandsTimeOut) {
  START_OR_SKIP(redis, ManagedRedis::Start());
  redis->Stop();
  EXPECT_TRUE(redis->stopped());
  // The kernel completes the handshake, so this is a timeout after connecting, not a refusal.
  EXPECT_EQ(RedisCommand(redis->port(), "PING").outcome, Outcome::kTimedOut);
  EXPECT_EQ(redis->WaitReady(std::chrono::milliseconds(100)).code(), Code::kTimeout);
  redis->Continue();
  EXPECT_FALSE(redis->stopped());
  EXPECT_TRUE(redis->WaitReady(std::chrono::milliseconds(2000)).ok());
  EXPECT_EQ(RedisCommand(redis->port(), "PING").reply, "+PONG\r\n");
}

TEST_F(ManagedServersTest, DestructionLeavesNoProcessNorDirectory) {
  START_OR_SKIP(redis, ManagedRedis::Start());
  const pid_t pid = redis->pid();
  const std::string dir = redis->dir();
  const int registered = ChildRegistry::Count();
  ASSERT_TRUE(fs::is_directory(dir));
  redis.reset();
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_FALSE(fs::exists(dir)) << dir;
  EXPECT_EQ(ChildRegistry::Count(), registered - 1);
}

TEST_F(ManagedServersTest, DestructionEndsAStoppedServer) {
  START_OR_SKIP(redis, ManagedRedis::Start());
  const pid_t pid = redis->pid();
  const int port = redis->port();
  redis->Stop();
  redis.reset();
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_EQ(RedisCommand(port, "PING").outcome, Outcome::kRefused);
}

TEST_F(ManagedServersTest, KeepLeavesTheDirectoryWithItsLog) {
  ManagedOptions options;
  options.dir = scratch_;
  options.keep = true;
  START_OR_SKIP(redis, ManagedRedis::Start(options));
  const pid_t pid = redis->pid();
  const std::string dir = redis->dir();
  const std::string log = redis->log_path();
  redis.reset();
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_TRUE(fs::is_directory(dir)) << dir;
  EXPECT_TRUE(fs::exists(log)) << log;
  // scratch_ (and `dir` in it) is removed by TearDown.
}

TEST_F(ManagedServersTest, MissingRedisBinaryNamesTheDebianPackage) {
  ScopedPath empty_path(scratch_);
  ManagedOptions options;
  options.dir = scratch_;
  options.extra_bin_dirs = {};
  auto started = ManagedRedis::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), Code::kNotFound);
  EXPECT_EQ(started.status().message(),
            "redis-server: not found; install the Debian package redis-server");
  EXPECT_TRUE(fs::is_empty(scratch_)) << "no temp dir for a server that never started";
}

TEST_F(ManagedServersTest, MissingMariaDbBinaryNamesTheDebianPackage) {
  ScopedPath empty_path(scratch_);
  ManagedOptions options;
  options.dir = scratch_;
  options.extra_bin_dirs = {};
  auto started = ManagedMariaDb::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), Code::kNotFound);
  EXPECT_EQ(started.status().message(),
            "mariadbd: not found; install the Debian package mariadb-server");
  EXPECT_TRUE(fs::is_empty(scratch_));
}

// ---- termination handlers ------------------------------------------------------------------

struct ChildReport {
  pid_t redis_pid = 0;
  char dir[512] = {};
};

// Forks a process that installs the handlers in `mode`, starts a redis under `scratch`, reports
// it through a pipe, and then waits for a signal (kFlag: polls the flag, checks the redis is
// already dead, tears down normally, exits ExitCodeFor(signal); exit 4 = the handler had not
// killed it). Returns the forked pid, with the report read.
pid_t ForkRedisOwner(ChildRegistry::OnSignal mode, const std::string& scratch, ChildReport* out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    ChildRegistry::InstallTerminationHandlers(mode);
    ManagedOptions options;
    options.dir = scratch;
    auto redis = ManagedRedis::Start(options);
    if (!redis.ok()) _exit(3);
    ChildReport report;
    report.redis_pid = (*redis)->pid();
    std::snprintf(report.dir, sizeof(report.dir), "%s", (*redis)->dir().c_str());
    if (write(fds[1], &report, sizeof(report)) != sizeof(report)) _exit(3);
    const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    while (ChildRegistry::TerminationSignal() == 0 && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const int signo = ChildRegistry::TerminationSignal();
    if (signo == 0) _exit(5);
    const bool killed_by_handler = WaitNotRunning(report.redis_pid, std::chrono::seconds(2));
    redis->reset();  // normal teardown: reaps and removes the dir
    _exit(killed_by_handler ? ChildRegistry::ExitCodeFor(signo) : 4);
  }
  close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  const bool readable = child > 0 && poll(&p, 1, 15000) == 1;
  if (!readable || read(fds[0], out, sizeof(*out)) != sizeof(*out)) out->redis_pid = 0;
  close(fds[0]);
  return child;
}

// waitpid with a bound; SIGKILLs the child after `timeout`. Returns the wait status.
int WaitChild(pid_t child, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (SteadyClock::now() >= deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      ADD_FAILURE() << "the forked process did not end in time";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

TEST_F(ManagedServersTest, TerminationFlagModeKillsServersAndLetsTheOwnerTearDown) {
  if (!FindExecutable("redis-server", ManagedOptions().extra_bin_dirs)) {
    if (testing::ServersRequired()) FAIL() << "redis-server missing";
    GTEST_SKIP() << "redis-server missing";
  }
  ChildReport report;
  const pid_t child = ForkRedisOwner(ChildRegistry::OnSignal::kFlag, scratch_, &report);
  ASSERT_GT(child, 0);
  ASSERT_GT(report.redis_pid, 0) << "the forked process could not start redis";
  ASSERT_TRUE(ProcessRunning(report.redis_pid));
  kill(child, SIGTERM);
  const int status = WaitChild(child, std::chrono::seconds(15));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 143) << "4 means the handler left redis running";
  EXPECT_TRUE(WaitNotRunning(report.redis_pid, std::chrono::seconds(2)));
  EXPECT_FALSE(fs::exists(report.dir)) << report.dir;
}

TEST_F(ManagedServersTest, TerminationReraiseModeDiesOfTheSignalLeavingNoServer) {
  if (!FindExecutable("redis-server", ManagedOptions().extra_bin_dirs)) {
    if (testing::ServersRequired()) FAIL() << "redis-server missing";
    GTEST_SKIP() << "redis-server missing";
  }
  ChildReport report;
  const pid_t child = ForkRedisOwner(ChildRegistry::OnSignal::kReraise, scratch_, &report);
  ASSERT_GT(child, 0);
  ASSERT_GT(report.redis_pid, 0) << "the forked process could not start redis";
  kill(child, SIGINT);
  const int status = WaitChild(child, std::chrono::seconds(15));
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGINT);
  EXPECT_TRUE(WaitNotRunning(report.redis_pid, std::chrono::seconds(2)));
  // A handler cannot remove directories: the dir stays (scratch_ is removed by TearDown).
  EXPECT_TRUE(fs::exists(report.dir)) << report.dir;
}

// ---- the child process underneath ---------------------------------------------------------

TEST_F(ManagedServersTest, ChildInheritsNothingButStdio) {
  // A descriptor the parent leaves inheritable (as client libraries do with their sockets)
  // must not reach a server: it would keep a connection open after the parent closed it.
  int leaky[2];
  ASSERT_EQ(pipe(leaky), 0);
  const std::string log = scratch_ + "/ls.log";
  ChildProcess child;
  const Status spawned = child.Spawn({"/bin/ls", "/proc/self/fd"}, log);
  close(leaky[0]);
  close(leaky[1]);
  ASSERT_TRUE(spawned.ok()) << spawned.ToString();
  ASSERT_TRUE(child.WaitExit(std::chrono::seconds(5)));
  EXPECT_EQ(child.exit_description(), "exited with status 0");
  std::ifstream in(log);
  const std::string fds((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(fds, "0\n1\n2\n3\n") << "3 is ls's own handle on the directory";
}

TEST_F(ManagedServersTest, ChildExecFailureIsReportedAndLeavesNothingRegistered) {
  const int registered = ChildRegistry::Count();
  ChildProcess child;
  const Status spawned = child.Spawn({scratch_ + "/no-such-program"}, scratch_ + "/x.log");
  EXPECT_EQ(spawned.code(), Code::kInternal);
  EXPECT_NE(spawned.message().find("No such file or directory"), std::string::npos)
      << spawned.ToString();
  EXPECT_FALSE(child.running());
  EXPECT_EQ(ChildRegistry::Count(), registered);
}

TEST_F(ManagedServersTest, ChildTerminateFallsBackToSigkill) {
  const std::string log = scratch_ + "/sh.log";
  ChildProcess child;
  ASSERT_TRUE(
      child.Spawn({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}, log)
          .ok());
  const pid_t pid = child.pid();
  const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
  while (fs::file_size(log) == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(fs::file_size(log), 0u) << "the shell never set its trap";
  child.Terminate(std::chrono::milliseconds(200));
  EXPECT_FALSE(child.running());
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_EQ(child.exit_description(), "killed by signal 9 (Killed)");
}

// ---- MariaDB -------------------------------------------------------------------------------

TEST_F(ManagedServersTest, MariaDbServesTheEngineStore) {
  SHARED_MARIADB_OR_SKIP(db);
  EXPECT_EQ(db->url().user, "slotsim");
  EXPECT_EQ(db->url().database, "slotsim");
  EXPECT_EQ(db->url().port, db->port());
  MySqlStore store(StoreOptions(db->url()));
  const Status opened = store.Open();
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  auto booking = store.Confirm(ConfirmOf("k-serve"));
  ASSERT_TRUE(booking.ok()) << booking.status().ToString();
  auto read = store.GetBooking(booking->id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->client_id, "alice");
}

TEST_F(ManagedServersTest, KilledMariaDbIsUnavailableAndRestartKeepsBookings) {
  SHARED_MARIADB_OR_SKIP(db);
  MySqlStore store(StoreOptions(db->url()));
  ASSERT_TRUE(store.Open().ok());
  auto booking = store.Confirm(ConfirmOf("k-restart"));
  ASSERT_TRUE(booking.ok()) << booking.status().ToString();
  const int port = db->port();

  db->Kill();
  const auto start = SteadyClock::now();
  EXPECT_EQ(store.GetBooking(booking->id).status().code(), Code::kUnavailable);
  EXPECT_EQ(store.Ping().code(), Code::kUnavailable);
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(5)) << "a dead server must not hang";

  const Status restarted = db->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  EXPECT_EQ(db->port(), port);
  // The store re-dials; a connection pooled before the kill may fail once more.
  StatusOr<Booking> read = store.GetBooking(booking->id);
  for (int i = 0; i < 3 && read.status().code() == Code::kUnavailable; ++i) {
    read = store.GetBooking(booking->id);
  }
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, *booking);
}

TEST_F(ManagedServersTest, MariaDbDestructionLeavesNoProcessNorDirectory) {
  SHARED_MARIADB_OR_SKIP(db);
  const pid_t pid = db->pid();
  const std::string dir = db->dir();
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(fs::is_directory(dir + "/data"));
  shared_db_.reset();  // a later test starts a new one
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_FALSE(fs::exists(dir)) << dir;
}

}  // namespace
}  // namespace slotsim
