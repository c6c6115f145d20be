// The `local` target end to end: slotsim launches its own redis-server and mariadbd on loopback,
// runs shipped scenarios (shrunk) on wall-clock time, and injects real faults (SIGKILL, SIGSTOP).
// Each run takes its scenario's duration in real time plus a few seconds of server start.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "reports/summary.h"
#include "simulator/run/run.h"
#include "tests/support/scenarios.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

// A fresh directory under /tmp.
std::string MakeTempDir(const std::string& tag) {
  std::string pattern = "/tmp/slotsim-" + tag + "-XXXXXX";
  const char* made = mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

using testing::ShippedScenarioPath;

// A shipped scenario shrunk for wall-clock time: a closed population of `clients` polling every
// second, one fault of `kind` at 8 s for `fault_s` seconds, the run ending 8 s after it.
std::vector<std::string> Reduced(int clients, int fault_s, const std::string& kind) {
  const int duration_s = 8 + fault_s + 8;
  const std::string n = std::to_string(clients);
  return {"target.kind=\"local\"",
          "duration=\"" + std::to_string(duration_s) + "s\"",
          "engine.heartbeat=\"1s\"",
          "load.model=\"closed\"",
          "load.stages=[{ for = \"3s\", to = " + n + " }, { for = \"" +
              std::to_string(duration_s - 3) + "s\", to = " + n + " }]",
          "clients.think=\"lognormal:4s:0.5\"",
          "faults=[{ kind = \"" + kind + "\", at = \"8s\", for = \"" + std::to_string(fault_s) +
              "s\" }]"};
}

class LocalRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveServerBinaries()) GTEST_SKIP() << "redis-server / mariadbd not installed";
  }

  // Runs a shipped scenario on the local target; returns its summary.json (null on failure).
  nlohmann::json Run(const std::string& name, const std::vector<std::string>& overrides) {
    StatusOr<Scenario> scenario = LoadScenario(ShippedScenarioPath(name), overrides);
    EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
    if (!scenario.ok()) return {};
    RunOptions options;
    options.wall_clock = &wall_;
    StatusOr<RunResult> result = RunScenario(*scenario, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    result_ = *result;
    return SummaryJson(*result, SummaryOptions{ShippedScenarioPath(name), overrides});
  }

  static uint64_t Get(const nlohmann::json& s, const char* a, const char* b) {
    return s[a][b].get<uint64_t>();
  }

  SystemClock wall_;
  std::optional<RunResult> result_;
};

// How fast failover is on real servers is a perf threshold (tests/perf/*.toml, ctest label
// `perf`); these tests assert what happened and in which order.
TEST_F(LocalRunTest, RedisKilledMidRunLosesNothingAndFailsOverAndBack) {
  nlohmann::json s = Run("redis-outage", Reduced(500, 20, "redis_down"));
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(s["target"], "local");
  EXPECT_GT(Get(s["ops"], "poll", "count"), 5000u);
  EXPECT_GT(Get(s["ops"], "confirm", "count"), 50u);
  EXPECT_EQ(Get(s, "consistency", "double_bookings"), 0u);
  EXPECT_EQ(Get(s, "consistency", "lost_bookings"), 0u);
  EXPECT_EQ(Get(s, "consistency", "phantom_bookings"), 0u);
  EXPECT_EQ(Get(s, "consistency", "hold_conflicts_outside_failover"), 0u);
  EXPECT_EQ(Get(s, "errors", "count"), 0u) << s["ops"].dump();
  // Both modes really served: Redis before and after, MySQL during the kill.
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["redis"]["count"].get<uint64_t>(), 1000u);
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["mysql"]["count"].get<uint64_t>(), 1000u);
  const nlohmann::json& outages = s["failover"]["outages"];
  ASSERT_EQ(outages.size(), 1u);
  const nlohmann::json& o = outages[0];
  EXPECT_EQ(o["kind"], "redis_down");
  // The kill is real: not before its time, for at least its `for`, over before the run ends.
  EXPECT_GE(o["start_s"].get<double>(), 8.0 - 0.01);
  EXPECT_GE(o["end_s"].get<double>(), o["start_s"].get<double>() + 20.0);
  EXPECT_LE(o["end_s"].get<double>(), s["duration_s"].get<double>());
  // Both transitions were measured: into MySQL mode during the kill, back to Redis after it.
  ASSERT_FALSE(o["detect_ms"].is_null());
  ASSERT_FALSE(o["recover_ms"].is_null());
  EXPECT_GE(o["detect_ms"].get<int64_t>(), 0);
  EXPECT_GE(o["recover_ms"].get<int64_t>(), 0);
  EXPECT_GE(s["failover"]["mode_switches"].get<uint64_t>(), 2u);
  EXPECT_EQ(o["errors"].get<uint64_t>(), 0u);
  // The harness reports on itself.
  ASSERT_TRUE(result_);
  EXPECT_GT(result_->run.send.harness_lateness.TotalCount(), 5000);
  EXPECT_EQ(result_->run.send.ops,
            static_cast<uint64_t>(result_->run.send.worker_wait.TotalCount()));
  EXPECT_GT(result_->run.cpu_s, 0.0);
}

TEST_F(LocalRunTest, RedisHangIsServedByMySqlWithoutAnErrorUntilRedisAnswersAgain) {
  nlohmann::json s = Run("redis-hang", Reduced(200, 10, "redis_hang"));
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(Get(s, "errors", "count"), 0u);
  EXPECT_EQ(Get(s, "consistency", "double_bookings"), 0u);
  EXPECT_EQ(Get(s, "consistency", "lost_bookings"), 0u);
  ASSERT_EQ(s["failover"]["outages"].size(), 1u);
  const nlohmann::json& o = s["failover"]["outages"][0];
  // Only the deadline can tell a hung Redis: the switch came, and the way back after SIGCONT.
  // No operation waiting for the hung server is a perf threshold (tests/perf/redis-hang.toml).
  ASSERT_FALSE(o["detect_ms"].is_null());
  ASSERT_FALSE(o["recover_ms"].is_null());
  EXPECT_EQ(o["errors"].get<uint64_t>(), 0u);
  EXPECT_GE(s["failover"]["mode_switches"].get<uint64_t>(), 2u);
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["mysql"]["count"].get<uint64_t>(), 0u);
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["redis"]["count"].get<uint64_t>(), 0u);
}

TEST_F(LocalRunTest, LegacyProfileStallsOnAHungRedisForItsWholeReadWait) {
  // The same hang with the legacy profile (no breaker, long read wait; 2 s here instead of
  // 60 s to keep the test short): operations wait out the read wait. This is what the test
  // above would catch.
  std::vector<std::string> o = Reduced(50, 6, "redis_hang");
  o.push_back("engine.profile=\"legacy\"");
  o.push_back("engine.redis_deadline=\"2s\"");
  nlohmann::json s = Run("redis-hang", o);
  ASSERT_FALSE(s.is_null());
  EXPECT_GE(s["ops"]["poll"]["raw_latency_us"]["max"].get<int64_t>(), 1'900'000);
}

TEST_F(LocalRunTest, MySqlKilledGivesClearUnavailableAnswers) {
  nlohmann::json s = Run("steady", Reduced(100, 4, "mysql_down"));
  ASSERT_FALSE(s.is_null());
  // Polls are served by Redis throughout; bookings need MySQL and fail with Unavailable while
  // it is down, then succeed again after its crash recovery. (That none waits anywhere near a
  // hang is a perf threshold: tests/perf/mysql-kill.toml.)
  EXPECT_EQ(s["ops"]["poll"]["errors"].get<uint64_t>(), 0u);
  const nlohmann::json& confirm = s["ops"]["confirm"];
  const uint64_t unavailable = confirm["codes"].value("Unavailable", 0u);
  EXPECT_GT(unavailable, 0u) << confirm;
  EXPECT_EQ(confirm["errors"].get<uint64_t>(), unavailable) << "only Unavailable: " << confirm;
  EXPECT_GT(confirm["count"].get<uint64_t>(), confirm["errors"].get<uint64_t>())
      << "no booking succeeded around the outage";
  EXPECT_EQ(Get(s, "consistency", "double_bookings"), 0u);
  EXPECT_EQ(Get(s, "consistency", "lost_bookings"), 0u);
}

TEST_F(LocalRunTest, ProcessFaultAgainstAServerSlotsimDoesNotManageIsBadInput) {
  StatusOr<Scenario> scenario =
      LoadScenario(ShippedScenarioPath("redis-outage"),
                   {"target.kind=\"local\"", "target.redis=\"redis://127.0.0.1:1/0\""});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  RunOptions options;
  options.wall_clock = &wall_;
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find("proxy_down"), std::string::npos)
      << result.status().message();
}

// Every process whose command line mentions `needle`.
std::vector<pid_t> ProcessesMentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

TEST_F(LocalRunTest, RunKilledWithSigtermLeavesNoServerProcessOrTempDirBehind) {
  const std::string dir = MakeTempDir("sigterm");
  ASSERT_FALSE(dir.empty());
  const std::string log = dir + "/stderr.txt";
  std::vector<std::string> argv = {
      SLOTSIM_BINARY,   "run",           ShippedScenarioPath("redis-outage"),
      "--target",       "local",         "--out",
      dir + "/out",     "--no-progress", "--set",
      "duration=\"5m\""};
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    setenv("TMPDIR", dir.c_str(), 1);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  // Wait until both servers run and the clients are going (the run prints the proxy-less
  // server lines first), then SIGTERM mid-run.
  std::string text;
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(log);
    text.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("redis-server on") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(text.find("redis-server on"), std::string::npos) << text;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_FALSE(ProcessesMentioning(dir).empty()) << "the servers should be running by now";
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  // The servers ran in temp dirs under `dir` (TMPDIR): none of them may be left, alive or on
  // disk.
  EXPECT_TRUE(ProcessesMentioning(dir).empty());
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename();
    EXPECT_TRUE(name == "stderr.txt" || name == "out") << "left behind: " << name;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slotsim
