// FailoverStore's breaker on virtual time: detection, probing with hysteresis, hold migration
// on the way back, the switch log, and the legacy per-request mode. The Redis side is a
// MemoryStore behind a fault-injecting decorator, so every step is deterministic.
#include "engine/failover_store.h"

#include <gtest/gtest.h>

#include "engine/memory_store.h"
#include "engine/slot_engine.h"
#include "tests/support/faulty_store.h"

namespace slotsim {
namespace {

constexpr int kEmp = 1;
constexpr const char* kDate = "2026-12-02";

class FailoverStoreTest : public ::testing::Test {
 protected:
  void Start(Policy policy) {
    failover_ =
        std::make_unique<FailoverStore>(redis_, mysql_, clock_, FailoverOptionsFrom(policy));
    ASSERT_TRUE(failover_->Start().ok());
    StatusOr<SlotEngine> e = SlotEngine::Create(*failover_, clock_, EngineOptions{{}, policy});
    ASSERT_TRUE(e.ok());
    engine_.emplace(std::move(e).value());
  }

  StorageMode PollMode(const std::string& client) {
    StatusOr<PollResult> r = engine_->Poll(client, kEmp, kDate);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->storage_mode : StorageMode::kMemory;
  }

  SimClock clock_;
  MemoryStore redis_model_{StorageMode::kRedis};
  testing::FaultyStore redis_{redis_model_};
  MemoryStore mysql_{StorageMode::kMySql};
  std::unique_ptr<FailoverStore> failover_;
  std::optional<SlotEngine> engine_;
};

TEST_F(FailoverStoreTest, FailedPrimaryCallIsRetriedOnFallbackAndOpensBreaker) {
  Start(ReferencePolicy());
  EXPECT_EQ(PollMode("alice"), StorageMode::kRedis);
  redis_.set_down(true);
  StatusOr<Hold> h = engine_->Select("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_TRUE(failover_->breaker_open());
  ASSERT_EQ(failover_->switches().size(), 1u);
  EXPECT_EQ(failover_->switches()[0].to, StorageMode::kMySql);
  EXPECT_NE(failover_->switches()[0].cause.find("select"), std::string::npos);
  EXPECT_EQ(failover_->switches()[0].at, clock_.Now());
  StatusOr<std::optional<Hold>> in_mysql = mysql_.GetHold({kEmp, kDate, "10:00"}, clock_.Now());
  ASSERT_TRUE(in_mysql.ok() && in_mysql->has_value());
  EXPECT_EQ((*in_mysql)->client_id, "alice");
}

TEST_F(FailoverStoreTest, OpenBreakerDoesNotTouchThePrimaryBetweenProbes) {
  Start(ReferencePolicy());
  redis_.set_down(true);
  ASSERT_TRUE(engine_->Select("alice", kEmp, kDate, "10:00").ok());
  const int calls = redis_.calls();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(PollMode("bob"), StorageMode::kMySql);
  EXPECT_EQ(redis_.calls(), calls);
  clock_.AdvanceBy(Micros(200'000));  // one probe
  EXPECT_EQ(redis_.calls(), calls + 1);
}

TEST_F(FailoverStoreTest, SwitchesBackOnlyAfterConsecutiveGoodProbes) {
  Start(ReferencePolicy());
  redis_.set_down(true);
  ASSERT_TRUE(engine_->Select("alice", kEmp, kDate, "10:00").ok());
  clock_.AdvanceBy(Micros(1'000'000));
  EXPECT_TRUE(failover_->breaker_open());
  redis_.set_down(false);
  clock_.AdvanceBy(Micros(400'000));  // two good probes
  EXPECT_TRUE(failover_->breaker_open());
  redis_.set_down(true);  // a bad probe resets the count
  clock_.AdvanceBy(Micros(200'000));
  redis_.set_down(false);
  clock_.AdvanceBy(Micros(400'000));
  EXPECT_TRUE(failover_->breaker_open());
  clock_.AdvanceBy(Micros(200'000));  // the third consecutive good probe
  EXPECT_FALSE(failover_->breaker_open());
  EXPECT_EQ(PollMode("bob"), StorageMode::kRedis);
}

TEST_F(FailoverStoreTest, SwitchBackCopiesLiveHoldsWithOwnerAndExpiry) {
  Start(ReferencePolicy());
  ASSERT_TRUE(engine_->Select("alice", kEmp, kDate, "09:00").ok());  // in Redis, pre-outage
  redis_.set_down(true);
  redis_model_.Wipe();  // Redis restarted empty
  StatusOr<Hold> h = engine_->Select("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(engine_->Select("bob", kEmp, kDate, "11:00").ok());
  StatusOr<Booking> b = engine_->Confirm("carol", kEmp, kDate, "12:00", "k-c");
  ASSERT_TRUE(b.ok());
  redis_.set_down(false);
  clock_.AdvanceBy(Micros(600'000));
  ASSERT_FALSE(failover_->breaker_open());

  StatusOr<std::optional<Hold>> moved = redis_model_.GetHold({kEmp, kDate, "10:00"}, clock_.Now());
  ASSERT_TRUE(moved.ok() && moved->has_value());
  EXPECT_EQ((*moved)->client_id, "alice");
  EXPECT_EQ((*moved)->expires_at, h->expires_at);
  StatusOr<std::vector<Hold>> left = mysql_.LiveHolds(clock_.Now());
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "fallback holds must be cleared after the copy";
  // The booked cache was rebuilt from MySQL: the booking made during the outage shows.
  EXPECT_EQ(engine_->Select("dave", kEmp, kDate, "12:00").status().code(), Code::kSlotBooked);
  EXPECT_EQ(engine_->Select("dave", kEmp, kDate, "10:00").status().code(), Code::kSlotHeld);
  const std::vector<ModeSwitch> log = failover_->switches();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].to, StorageMode::kRedis);
  EXPECT_EQ(log[1].holds_migrated, 2u);
  EXPECT_EQ(log[1].previous_mode_duration, Micros(600'000));
}

TEST_F(FailoverStoreTest, HoldLostWithDeadRedisIsRecreatedFromTheNextHeartbeat) {
  Start(ReferencePolicy());
  ASSERT_TRUE(engine_->Select("alice", kEmp, kDate, "10:00").ok());
  redis_.set_down(true);
  redis_model_.Wipe();
  StatusOr<PollResult> r = engine_->Poll("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->own->status, HoldStatus::kHeld);
  EXPECT_EQ(r->storage_mode, StorageMode::kMySql);
  // First come wins: bob's later re-assert of the same slot learns it lost.
  StatusOr<PollResult> bob = engine_->Poll("bob", kEmp, kDate, "10:00");
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->own->status, HoldStatus::kLost);
}

TEST_F(FailoverStoreTest, FailedCacheWriteAfterCommitKeepsTheBookingAndFailsOver) {
  Start(ReferencePolicy());
  redis_.set_fail_cache_writes(true);
  StatusOr<Booking> b = engine_->Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(failover_->breaker_open());
  StatusOr<Booking> retry = engine_->Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->id, b->id);
  redis_.set_fail_cache_writes(false);
  clock_.AdvanceBy(Micros(600'000));
  ASSERT_FALSE(failover_->breaker_open());
  // The cache was rebuilt from MySQL, so Redis-mode answers show the booking.
  StatusOr<PollResult> r = engine_->Poll("bob", kEmp, kDate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->storage_mode, StorageMode::kRedis);
  EXPECT_EQ(r->booked, std::vector<std::string>{"10:00"});
}

TEST_F(FailoverStoreTest, StartsInFallbackWhenPrimaryIsDownAtStart) {
  redis_.set_down(true);
  Start(ReferencePolicy());
  EXPECT_TRUE(failover_->breaker_open());
  EXPECT_EQ(PollMode("alice"), StorageMode::kMySql);
  redis_.set_down(false);
  clock_.AdvanceBy(Micros(600'000));
  EXPECT_EQ(PollMode("alice"), StorageMode::kRedis);
}

TEST_F(FailoverStoreTest, LegacyDecidesPerRequestAndShowsNoHoldsInFallback) {
  Start(LegacyPolicy());
  ASSERT_TRUE(engine_->Select("alice", kEmp, kDate, "10:00").ok());
  redis_.set_down(true);
  ASSERT_TRUE(engine_->Select("bob", kEmp, kDate, "11:00").ok());
  StatusOr<PollResult> r = engine_->Poll("carol", kEmp, kDate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->storage_mode, StorageMode::kMySql);
  EXPECT_TRUE(r->held.empty()) << "legacy polls in fallback mode show no holds";
  const int calls = redis_.calls();
  ASSERT_TRUE(engine_->Poll("carol", kEmp, kDate).ok());
  EXPECT_GT(redis_.calls(), calls) << "without a breaker every request tries Redis first";
  redis_.set_down(false);
  StatusOr<PollResult> back = engine_->Poll("carol", kEmp, kDate);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->storage_mode, StorageMode::kRedis);
  // No migration: bob's fallback hold is not in Redis.
  EXPECT_EQ(back->held, std::vector<std::string>{"10:00"});
}

}  // namespace
}  // namespace slotsim
