// Test support for suites that need real servers.
//  - The servers started by scripts/test.sh (or the user's own) are found through
//    SLOTSIM_REDIS_URL and SLOTSIM_MYSQL_URL. Without them a suite skips, unless
//    SLOTSIM_REQUIRE_SERVERS=1 (set by scripts/test.sh and CI), where a missing URL fails.
//  - RedisProcess launches a private redis-server child on a free loopback port, for fault
//    tests that SIGKILL / SIGSTOP it. It never touches the shared servers.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/url.h"

namespace slotsim {
class ManagedRedis;
}  // namespace slotsim

namespace slotsim::testing {

// The shared servers' URLs, or nullopt when the variable is unset. A set but malformed URL
// aborts the test binary with a message (a typo must not turn into a silent skip).
std::optional<RedisUrl> SharedRedisUrl();
std::optional<MySqlUrl> SharedMySqlUrl();

// True when SLOTSIM_REQUIRE_SERVERS=1.
bool ServersRequired();

// A key/table prefix unique to this process and call, e.g. "t4211_7_", so suites running in
// parallel against one server never see each other's data.
std::string UniquePrefix(std::string_view tag);

// A TCP port on 127.0.0.1 that was free when asked.
int FreeLoopbackPort();

// True when redis-server, mariadbd and mariadb-install-db can be found, so suites that launch
// their own servers can run; always true under SLOTSIM_REQUIRE_SERVERS=1 (the test command
// installs them, and there a missing binary must fail the run instead of skipping it).
bool HaveServerBinaries();

// A redis-server child process: `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no`
// in its own temp dir; a thin wrapper over slotsim::ManagedRedis (simulator/managed_servers.h),
// which owns the launching, faults and teardown. The destructor SIGKILLs it (SIGCONT first if
// stopped) and removes the dir. Start it from the test's main thread (PR_SET_PDEATHSIG).
class RedisProcess {
 public:
  // Starts one and waits (up to 5 s) until it answers PING. NotFound when redis-server is
  // not installed.
  static StatusOr<std::unique_ptr<RedisProcess>> Start();
  ~RedisProcess();

  int port() const;
  RedisUrl url() const;
  pid_t pid() const;  // -1 after Kill()

  void Kill();      // SIGKILL and reap; data is gone
  void Stop();      // SIGSTOP: the kernel still accepts connections, nothing answers
  void Continue();  // SIGCONT
  // Starts a fresh (empty) server on the same port after Kill(); waits until it answers.
  Status Restart();

 private:
  explicit RedisProcess(std::unique_ptr<ManagedRedis> redis);

  std::unique_ptr<ManagedRedis> redis_;
};

}  // namespace slotsim::testing

// In a TEST body or fixture SetUp: declares `var` as the shared Redis URL, or skips / fails.
#define SLOTSIM_NEED_REDIS(var)                                                     \
  auto var##_opt = ::slotsim::testing::SharedRedisUrl();                            \
  if (!var##_opt) {                                                                 \
    if (::slotsim::testing::ServersRequired()) FAIL() << "SLOTSIM_REDIS_URL unset"; \
    GTEST_SKIP() << "SLOTSIM_REDIS_URL unset";                                      \
  }                                                                                 \
  const ::slotsim::RedisUrl var = *var##_opt

#define SLOTSIM_NEED_MYSQL(var)                                                     \
  auto var##_opt = ::slotsim::testing::SharedMySqlUrl();                            \
  if (!var##_opt) {                                                                 \
    if (::slotsim::testing::ServersRequired()) FAIL() << "SLOTSIM_MYSQL_URL unset"; \
    GTEST_SKIP() << "SLOTSIM_MYSQL_URL unset";                                      \
  }                                                                                 \
  const ::slotsim::MySqlUrl var = *var##_opt
