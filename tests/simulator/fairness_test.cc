// FairnessSink: per-client poll rates over the expected 1/heartbeat.
#include "simulator/observe/fairness.h"

#include <gtest/gtest.h>

namespace slotsim {
namespace {

constexpr Micros kBeat{1'000'000};

class FairnessSinkTest : public ::testing::Test {
 protected:
  // `client` polls `n` times, every `every`, starting at `start` (arrival: an availability
  // read at `arrival`). Each poll answers after 1 ms, ok unless `fail`.
  void Client(const std::string& client, Timestamp arrival, Timestamp start, int n, Micros every,
              bool fail = false) {
    OpRecord op;
    op.client_id = client;
    op.kind = OpKind::kAvailability;
    op.intended = op.invoked = arrival;
    op.completed = arrival + Micros(1000);
    sink_.Record(op);
    for (int i = 0; i < n; ++i) {
      op.kind = OpKind::kPoll;
      op.intended = op.invoked = start + i * every;
      op.completed = op.invoked + Micros(1000);
      op.outcome = fail ? Outcome::kFail : Outcome::kOk;
      sink_.Record(op);
    }
  }

  FairnessSink sink_{kBeat};
  Timestamp t0_ = FromUnixMillis(1'764'000'000'000);
};

TEST_F(FairnessSinkTest, ClientsPollingOnTheirHeartbeatScoreOne) {
  // Arrive at t0, first beat half a heartbeat later, then every beat for 20 beats.
  for (int i = 0; i < 10; ++i) {
    Client("c" + std::to_string(i), t0_, t0_ + kBeat / 2, 20, kBeat);
  }
  const FairnessReport r = sink_.Report();
  EXPECT_EQ(r.clients, 10u);
  EXPECT_EQ(r.excluded, 0u);
  EXPECT_DOUBLE_EQ(r.expected_polls_per_s, 1.0);
  EXPECT_NEAR(r.ratio_p50, 1.0, 0.01);
  EXPECT_NEAR(r.ratio_min, 1.0, 0.01);
  EXPECT_DOUBLE_EQ(r.below_half_share, 0.0);
}

TEST_F(FairnessSinkTest, StarvedClientsShowInTheLowPercentilesAndTheShareBelowHalf) {
  for (int i = 0; i < 90; ++i) Client("ok" + std::to_string(i), t0_, t0_ + kBeat / 2, 20, kBeat);
  // Ten clients answered once every four heartbeats over the same time.
  for (int i = 0; i < 10; ++i) {
    Client("starved" + std::to_string(i), t0_, t0_ + kBeat / 2, 5, 4 * kBeat + kBeat / 4);
  }
  const FairnessReport r = sink_.Report();
  EXPECT_EQ(r.clients, 100u);
  EXPECT_LT(r.ratio_min, 0.3);
  EXPECT_LT(r.ratio_p1, 0.3);
  EXPECT_NEAR(r.ratio_p50, 1.0, 0.01);
  EXPECT_DOUBLE_EQ(r.below_half_share, 0.1);
}

TEST_F(FairnessSinkTest, FailedPollsDoNotCountAndShortVisitsAreExcluded) {
  Client("failing", t0_, t0_ + kBeat / 2, 20, kBeat, /*fail=*/true);
  Client("brief", t0_, t0_ + kBeat / 2, 1, kBeat);
  const FairnessReport r = sink_.Report();
  EXPECT_EQ(r.clients, 1u);
  EXPECT_EQ(r.excluded, 1u);
  EXPECT_DOUBLE_EQ(r.ratio_max, 0.0);
  EXPECT_DOUBLE_EQ(r.below_half_share, 1.0);
}

TEST_F(FairnessSinkTest, IdleClientsAreSettledAndStillReported) {
  FairnessSink sink(kBeat, /*idle_after=*/Micros(5'000'000));
  OpRecord op;
  op.kind = OpKind::kPoll;
  // 1000 clients one after another, each polling 4 times; each is settled once idle 5 s.
  for (int c = 0; c < 1000; ++c) {
    op.client_id = "c" + std::to_string(c);
    for (int i = 0; i < 4; ++i) {
      op.intended = op.invoked = t0_ + c * Micros(100'000) + i * kBeat;
      op.completed = op.invoked + Micros(1000);
      sink.Record(op);
    }
  }
  const FairnessReport r = sink.Report();
  EXPECT_EQ(r.clients, 1000u);
  // 4 polls over a span of 3 beats: 4 / 3.5.
  EXPECT_NEAR(r.ratio_p50, 4.0 / 3.5, 0.01);
}

TEST_F(FairnessSinkTest, NothingRecordedReportsNoClients) {
  const FairnessReport r = sink_.Report();
  EXPECT_EQ(r.clients, 0u);
  EXPECT_DOUBLE_EQ(r.ratio_p50, 0.0);
}

}  // namespace
}  // namespace slotsim
