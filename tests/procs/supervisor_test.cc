// Supervisor over a real redis-server: an exit is seen, reaped, reported to on_exit with its
// cause, restarted with a new pid and counted; after Quiesce() nothing is restarted; Stop()
// terminates the server.
#include "procs/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace slotsim {
namespace {

using std::chrono::steady_clock;

bool Eventually(const std::function<bool()>& done, Millis limit = Millis(30000)) {
  const auto until = steady_clock::now() + limit;
  while (steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(Millis(10));
  }
  return done();
}

TEST(SupervisorTest, RestartsAKilledRedisCountsItAndStopsOnQuiesce) {
  StatusOr<std::unique_ptr<ManagedRedis>> redis = ManagedRedis::Start();
  if (!redis.ok() && redis.status().code() == Code::kNotFound)
    GTEST_SKIP() << redis.status().message();
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  std::mutex mu;
  std::string exit_cause;
  std::vector<std::string> log;
  SupervisorOptions o;
  o.backoff_min = Millis(1);
  o.max_restarts = 1;
  o.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(line);
  };
  o.on_exit = [&](const std::string& name, const std::string& cause) {
    std::lock_guard<std::mutex> lock(mu);
    exit_cause = name + " " + cause;
  };
  Supervisor sup(o);
  sup.Add(redis->get(), "redis-server", /*required=*/false);
  const pid_t first = sup.States()[0].pid;
  ASSERT_EQ(first, (*redis)->pid());
  sup.Start();
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(Eventually([&] { return sup.States()[0].restarts == 1; }));
  const SupervisedState s = sup.States()[0];
  EXPECT_EQ(s.phase, SupervisedState::Phase::kRunning);
  EXPECT_NE(s.pid, first);
  EXPECT_GT(s.pid, 0);
  EXPECT_EQ(s.exits, 1);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(exit_cause.rfind("redis-server killed by signal 9", 0), 0u) << exit_cause;
  }
  std::string metrics;
  sup.AppendMetrics(metrics);
  EXPECT_NE(metrics.find("slotsim_managed_server_restarts_total{server=\"redis-server\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("slotsim_managed_server_up{server=\"redis-server\"} 1"),
            std::string::npos);

  // Quiesced: a kill is not answered with a restart. Stop() then ends the supervision.
  sup.Quiesce();
  size_t lines = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    lines = log.size();
  }
  ASSERT_EQ(kill(s.pid, SIGKILL), 0);
  sup.Stop();
  EXPECT_FALSE((*redis)->running());
  EXPECT_EQ(sup.States()[0].phase, SupervisedState::Phase::kStopped);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(log.size(), lines + 1);  // only "stopping redis-server"
  EXPECT_EQ(log.back(), "stopping redis-server");
}

TEST(SupervisorTest, GivesUpPastMaxRestarts) {
  StatusOr<std::unique_ptr<ManagedRedis>> redis = ManagedRedis::Start();
  if (!redis.ok() && redis.status().code() == Code::kNotFound)
    GTEST_SKIP() << redis.status().message();
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  SupervisorOptions o;
  o.max_restarts = 0;
  o.log = [](const std::string&) {};
  Supervisor sup(o);
  sup.Add(redis->get(), "redis-server", /*required=*/true);
  sup.Start();
  ASSERT_EQ(kill((*redis)->pid(), SIGKILL), 0);
  ASSERT_TRUE(
      Eventually([&] { return sup.States()[0].phase == SupervisedState::Phase::kGivenUp; }));
  EXPECT_EQ(sup.States()[0].restarts, 0);
  EXPECT_EQ(sup.States()[0].pid, -1);
  EXPECT_EQ(DescribeState(sup.States()[0], o).rfind("given up after 0 restarts within 60.0 s", 0),
            0u);
}

}  // namespace
}  // namespace slotsim
