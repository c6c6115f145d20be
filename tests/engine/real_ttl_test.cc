// Hold expiry on real servers in wall time: a short TTL really lapses on Redis and on MySQL, and
// a heartbeat re-assert really keeps a hold alive past it.
#include <gtest/gtest.h>

#include <thread>

#include "engine/failover_store.h"
#include "engine/mysql_store.h"
#include "engine/redis_store.h"
#include "engine/slot_engine.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

constexpr int kEmp = 4;

class RealTtlTest : public ::testing::TestWithParam<bool /*redis*/> {
 protected:
  void SetUp() override {
    SLOTSIM_NEED_MYSQL(mysql_url);
    MySqlOptions mo;
    mo.url = mysql_url;
    mo.table_prefix = testing::UniquePrefix("ttl");
    mysql_ = std::make_unique<MySqlStore>(mo);
    ASSERT_TRUE(mysql_->Open().ok());
    Policy policy = ReferencePolicy();
    policy.hold_ttl = Millis(400);
    Store* store = mysql_.get();
    if (GetParam()) {
      SLOTSIM_NEED_REDIS(redis_url);
      RedisOptions ro;
      ro.url = redis_url;
      ro.key_prefix = mo.table_prefix;
      redis_ = std::make_unique<RedisStore>(ro);
      failover_ =
          std::make_unique<FailoverStore>(*redis_, *mysql_, clock_, FailoverOptionsFrom(policy));
      ASSERT_TRUE(failover_->Start().ok());
      store = failover_.get();
    }
    StatusOr<SlotEngine> e = SlotEngine::Create(*store, clock_, EngineOptions{{}, policy});
    ASSERT_TRUE(e.ok());
    engine_.emplace(std::move(e).value());
    date_ = DateOf(clock_.Now() + std::chrono::hours(24));
  }

  void TearDown() override {
    engine_.reset();
    failover_.reset();
    // Best-effort cleanup: keys and tables carry this test's unique prefix, so what is left
    // behind reaches no other test.
    if (redis_) redis_->FlushForTest().IgnoreError("best-effort cleanup of uniquely prefixed keys");
    if (mysql_)
      mysql_->TruncateForTest().IgnoreError("best-effort cleanup of uniquely prefixed tables");
  }

  SystemClock clock_;
  std::unique_ptr<MySqlStore> mysql_;
  std::unique_ptr<RedisStore> redis_;
  std::unique_ptr<FailoverStore> failover_;
  std::optional<SlotEngine> engine_;
  std::string date_;
};

TEST_P(RealTtlTest, HoldLapsesAfterItsTtlInWallTime) {
  ASSERT_TRUE(engine_->Select("alice", kEmp, date_, "10:00").ok());
  EXPECT_EQ(engine_->Select("bob", kEmp, date_, "10:00").status().code(), Code::kSlotHeld);
  std::this_thread::sleep_for(Millis(600));
  StatusOr<Hold> bob = engine_->Select("bob", kEmp, date_, "10:00");
  EXPECT_TRUE(bob.ok()) << bob.status().ToString();
}

TEST_P(RealTtlTest, HeartbeatReassertKeepsTheHoldPastItsTtl) {
  ASSERT_TRUE(engine_->Select("alice", kEmp, date_, "10:00").ok());
  for (int beat = 0; beat < 4; ++beat) {
    std::this_thread::sleep_for(Millis(200));
    StatusOr<PollResult> r = engine_->Poll("alice", kEmp, date_, std::string_view("10:00"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->own->status, HoldStatus::kHeld);
  }
  // 800 ms after the select, twice the TTL, the hold is still alice's.
  EXPECT_EQ(engine_->Select("bob", kEmp, date_, "10:00").status().code(), Code::kSlotHeld);
}

INSTANTIATE_TEST_SUITE_P(Stores, RealTtlTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return std::string(i.param ? "redis" : "mysql");
                         });

}  // namespace
}  // namespace slotsim
