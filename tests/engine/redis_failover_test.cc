// Failover against a real redis-server child process and the shared MariaDB, on wall time:
// SIGKILL and SIGSTOP mid-stream, restart, and the legacy preset's conflicting holds.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/failover_store.h"
#include "engine/mysql_store.h"
#include "engine/redis_store.h"
#include "engine/slot_engine.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

constexpr int kEmp = 2;

class RedisFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLOTSIM_NEED_MYSQL(mysql_url);
    StatusOr<std::unique_ptr<testing::RedisProcess>> redis = testing::RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_process_ = std::move(redis).value();
    MySqlOptions mo;
    mo.url = mysql_url;
    mo.table_prefix = testing::UniquePrefix("fo");
    mysql_ = std::make_unique<MySqlStore>(mo);
    ASSERT_TRUE(mysql_->Open().ok());
    date_ = DateOf(clock_.Now() + std::chrono::hours(48));
  }

  void StartEngine(Policy policy) {
    RedisOptions ro;
    ro.url = redis_process_->url();
    ro.deadline = policy.redis_deadline;
    redis_ = std::make_unique<RedisStore>(ro);
    failover_ =
        std::make_unique<FailoverStore>(*redis_, *mysql_, clock_, FailoverOptionsFrom(policy));
    ASSERT_TRUE(failover_->Start().ok());
    StatusOr<SlotEngine> e = SlotEngine::Create(*failover_, clock_, EngineOptions{{}, policy});
    ASSERT_TRUE(e.ok());
    engine_.emplace(std::move(e).value());
  }

  void TearDown() override {
    engine_.reset();
    failover_.reset();  // stops probing before the stores go
    if (mysql_) {
      mysql_->TruncateForTest().IgnoreError(
          "best-effort cleanup: the tables carry this test's unique prefix, so rows left behind "
          "reach no other test");
    }
  }

  // Runs polls and selects from `clients` threads until `stop`; counts failures.
  void Stream(std::atomic<bool>& stop, std::atomic<int>& ops, std::atomic<int>& failures,
              std::vector<std::string>& errors, std::mutex& mu, int client) {
    const std::string id = "c" + std::to_string(client);
    const std::string& times = engine_->grid().times()[client % engine_->grid().times().size()];
    while (!stop) {
      Status s = engine_->Select(id, kEmp, date_, times).status();
      if (s.ok()) s = engine_->Poll(id, kEmp, date_, std::string_view(times)).status();
      ++ops;
      if (!s.ok()) {
        ++failures;
        std::lock_guard<std::mutex> lock(mu);
        if (errors.size() < 5) errors.push_back(s.ToString());
      }
    }
  }

  // Waits up to `limit` for the engine to serve from `mode`.
  bool WaitForMode(StorageMode mode, Millis limit) {
    const Timestamp until = clock_.Now() + limit;
    while (clock_.Now() < until) {
      StatusOr<PollResult> r = engine_->Poll("watcher", kEmp, date_);
      if (r.ok() && r->storage_mode == mode) return true;
      std::this_thread::sleep_for(Millis(20));
    }
    return false;
  }

  // Drives the stream across a fault; returns the switch into MySQL mode.
  ModeSwitch RunAcross(const std::function<void()>& fault, Timestamp& fault_at) {
    std::atomic<bool> stop{false};
    std::atomic<int> ops{0}, failures{0};
    std::vector<std::string> errors;
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] { Stream(stop, ops, failures, errors, mu, i); });
    }
    std::this_thread::sleep_for(Millis(300));
    EXPECT_TRUE(failover_->switches().empty()) << "a switch before the fault";
    fault_at = clock_.Now();
    fault();
    // Until the switch is logged (the wait only bounds a hang: how fast it comes is a perf
    // threshold, tests/perf), then on for a while on MySQL.
    for (int i = 0; i < 1000 && failover_->switches().empty(); ++i) {
      std::this_thread::sleep_for(Millis(10));
    }
    const int ops_at_switch = ops.load();
    std::this_thread::sleep_for(Millis(300));
    stop = true;
    for (auto& t : threads) t.join();
    EXPECT_GT(ops.load(), 20);
    EXPECT_GT(ops.load(), ops_at_switch) << "nothing served after the switch";
    EXPECT_EQ(failures.load(), 0) << (errors.empty() ? "" : errors.front());
    std::vector<ModeSwitch> log = failover_->switches();
    EXPECT_FALSE(log.empty());
    return log.empty() ? ModeSwitch{} : log.front();
  }

  SystemClock clock_;
  std::unique_ptr<testing::RedisProcess> redis_process_;
  std::unique_ptr<MySqlStore> mysql_;
  std::unique_ptr<RedisStore> redis_;
  std::unique_ptr<FailoverStore> failover_;
  std::optional<SlotEngine> engine_;
  std::string date_;
};

// How fast the switch comes on real servers is a perf threshold (tests/perf/redis-kill.toml,
// redis-hang.toml); here: that it comes, after the fault, with no client seeing an error.
TEST_F(RedisFailoverTest, SigkillDuringStreamSwitchesToMySqlWithoutAnError) {
  StartEngine(ReferencePolicy());
  Timestamp fault_at;
  ModeSwitch sw = RunAcross([&] { redis_process_->Kill(); }, fault_at);
  EXPECT_EQ(sw.from, StorageMode::kRedis);
  EXPECT_EQ(sw.to, StorageMode::kMySql);
  EXPECT_GE(sw.at, fault_at) << "switched before the kill";
  EXPECT_FALSE(sw.cause.empty());
  EXPECT_TRUE(failover_->breaker_open());
  EXPECT_EQ(failover_->switches().size(), 1u) << "Redis is dead: no switch back";
}

TEST_F(RedisFailoverTest, SigstopDuringStreamSwitchesToMySqlAndBackAfterContinue) {
  StartEngine(ReferencePolicy());
  Timestamp fault_at;
  ModeSwitch sw = RunAcross([&] { redis_process_->Stop(); }, fault_at);
  EXPECT_EQ(sw.to, StorageMode::kMySql);
  EXPECT_GE(sw.at, fault_at) << "switched before the stop";
  const Timestamp continued_at = clock_.Now();
  redis_process_->Continue();
  EXPECT_TRUE(WaitForMode(StorageMode::kRedis, Millis(5000)));
  const std::vector<ModeSwitch> log = failover_->switches();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].from, StorageMode::kMySql);
  EXPECT_EQ(log[1].to, StorageMode::kRedis);
  EXPECT_GE(log[1].at, continued_at) << "back on Redis before it answered again";
}

TEST_F(RedisFailoverTest, RestartReturnsToRedisWithTheHoldsMadeDuringTheOutage) {
  StartEngine(ReferencePolicy());
  ASSERT_TRUE(engine_->Select("before", kEmp, date_, "09:00").ok());
  redis_process_->Kill();
  StatusOr<Hold> during = engine_->Select("during", kEmp, date_, "10:00");
  ASSERT_TRUE(during.ok()) << during.status().ToString();
  ASSERT_TRUE(failover_->breaker_open());
  StatusOr<Booking> booked = engine_->Confirm("booker", kEmp, date_, "11:00", "k-booker");
  ASSERT_TRUE(booked.ok()) << booked.status().ToString();
  ASSERT_TRUE(redis_process_->Restart().ok());
  ASSERT_TRUE(WaitForMode(StorageMode::kRedis, Millis(5000)));

  // Read Redis directly: the outage's hold is there with its owner and expiry.
  StatusOr<std::optional<Hold>> h = redis_->GetHold({kEmp, date_, "10:00"}, clock_.Now());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->client_id, "during");
  EXPECT_EQ((*h)->expires_at, during->expires_at);
  EXPECT_EQ(engine_->Select("other", kEmp, date_, "10:00").status().code(), Code::kSlotHeld);
  EXPECT_EQ(engine_->Select("other", kEmp, date_, "11:00").status().code(), Code::kSlotBooked);
  const std::vector<ModeSwitch> log = failover_->switches();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log.back().to, StorageMode::kRedis);
  EXPECT_GE(log.back().holds_migrated, 1u);
}

TEST_F(RedisFailoverTest, LegacyProfileLetsTwoClientsBothHoldOneSlotAcrossAnOutage) {
  Policy legacy = LegacyPolicy();
  legacy.redis_deadline = Millis(2000);  // still no breaker; keeps the test short if it hangs
  StartEngine(legacy);
  ASSERT_TRUE(engine_->Select("alice", kEmp, date_, "10:00").ok());
  redis_process_->Kill();  // alice's hold dies with Redis; legacy has no migration
  StatusOr<Hold> bob = engine_->Select("bob", kEmp, date_, "10:00");
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  ASSERT_TRUE(redis_process_->Restart().ok());
  // alice's heartbeat re-asserts her hold: last writer wins, no conflict check.
  StatusOr<PollResult> alice = engine_->Poll("alice", kEmp, date_, std::string_view("10:00"));
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  ASSERT_TRUE(alice->own.has_value());
  EXPECT_EQ(alice->own->status, HoldStatus::kHeld);
  EXPECT_EQ(alice->storage_mode, StorageMode::kRedis);
  // bob was told he holds it too and nobody told him otherwise: two holders of one slot,
  // while his hold still sits in MySQL.
  StatusOr<std::optional<Hold>> bob_row = mysql_->GetHold({kEmp, date_, "10:00"}, clock_.Now());
  ASSERT_TRUE(bob_row.ok() && bob_row->has_value());
  EXPECT_EQ((*bob_row)->client_id, "bob");
}

}  // namespace
}  // namespace slotsim
