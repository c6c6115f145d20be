// ModelStore's capacity model: unlimited servers never queue; with N servers calls wait for a
// free one in order, free up as virtual time passes, are abandoned at the caller's deadline, and
// a request's later calls arrive after its earlier ones.
#include "simulator/targets/sim/model_store.h"

#include <gtest/gtest.h>

namespace slotsim {
namespace {

using std::chrono::milliseconds;

class ModelStoreTest : public ::testing::Test {
 protected:
  // A model whose every call takes exactly `service`.
  std::unique_ptr<ModelStore> Make(int servers, Micros service, Micros deadline = Micros(50'000)) {
    ModelOptions o{Distribution::Const(service), Distribution::Const(service), deadline};
    o.servers = servers;
    return std::make_unique<ModelStore>(state_, cost_, random_, clock_, o);
  }

  // One call outside any request, arriving now; returns what it cost.
  Micros PingCost(ModelStore& m, Status* status = nullptr) {
    cost_.total = Micros(0);
    Status s = m.Ping();
    if (status) *status = s;
    return cost_.total;
  }

  void AdvanceTo(Micros since_start) {
    clock_.ScheduleAt(start_ + since_start, [] {});
    while (clock_.Now() < start_ + since_start && clock_.RunNext()) {
    }
  }

  SimClock clock_;
  const Timestamp start_ = clock_.Now();
  Random random_{1};
  CallCost cost_;
  MemoryStore state_{StorageMode::kRedis};
};

TEST_F(ModelStoreTest, UnlimitedServersNeverQueue) {
  auto m = Make(0, milliseconds(2));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(PingCost(*m), milliseconds(2));
}

TEST_F(ModelStoreTest, OneServerServesSimultaneousCallsOneAfterAnother) {
  auto m = Make(1, milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(4));
  EXPECT_EQ(PingCost(*m), milliseconds(6));
}

TEST_F(ModelStoreTest, ServersWorkInParallel) {
  auto m = Make(2, milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(4));
  EXPECT_EQ(PingCost(*m), milliseconds(4));
  EXPECT_EQ(PingCost(*m), milliseconds(6));
}

TEST_F(ModelStoreTest, ServersFreeUpAsVirtualTimeMoves) {
  auto m = Make(1, milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(4));  // busy until 4 ms
  AdvanceTo(milliseconds(3));
  EXPECT_EQ(PingCost(*m), milliseconds(3));  // waits 1 ms
  AdvanceTo(milliseconds(100));
  EXPECT_EQ(PingCost(*m), milliseconds(2));
}

TEST_F(ModelStoreTest, CallWaitingPastTheDeadlineIsAbandonedAndTakesNoServer) {
  auto m = Make(1, milliseconds(2), milliseconds(5));
  EXPECT_EQ(PingCost(*m), milliseconds(2));
  EXPECT_EQ(PingCost(*m), milliseconds(4));
  Status s;
  // Waits 4 ms, then 2 ms of service: past the 5 ms deadline, a timeout that still uses the
  // server until 6 ms.
  EXPECT_EQ(PingCost(*m, &s), milliseconds(5));
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_EQ(m->abandoned(), 0u);
  // Would wait 6 ms: abandoned at the deadline.
  EXPECT_EQ(PingCost(*m, &s), milliseconds(5));
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_EQ(m->abandoned(), 1u);
  // The abandoned call took no server: the next waits for the one busy until 6 ms.
  AdvanceTo(milliseconds(3));
  EXPECT_EQ(PingCost(*m, &s), milliseconds(5));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(ModelStoreTest, RequestsLaterCallArrivesAfterItsEarlierOnes) {
  auto m = Make(1, milliseconds(2));
  cost_.in_request = true;
  cost_.total = Micros(0);
  ASSERT_TRUE(m->Ping().ok());
  ASSERT_TRUE(m->Ping().ok());  // arrives at 2 ms, when the server is free again: no wait
  EXPECT_EQ(cost_.total, milliseconds(4));
  cost_.in_request = false;
  EXPECT_EQ(PingCost(*m), milliseconds(6));  // queued behind both
}

TEST_F(ModelStoreTest, GoingDownEmptiesTheQueue) {
  auto m = Make(1, milliseconds(2));
  for (int i = 0; i < 5; ++i) PingCost(*m);
  m->set_down(true);
  Status s;
  PingCost(*m, &s);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  m->set_down(false);
  EXPECT_EQ(PingCost(*m), milliseconds(2));
}

TEST_F(ModelStoreTest, FaultLatencyIsTransitAndOccupiesNoServer) {
  auto m = Make(1, milliseconds(2));
  m->set_extra_latency(milliseconds(10), Micros(0));
  EXPECT_EQ(PingCost(*m), milliseconds(12));
  EXPECT_EQ(PingCost(*m), milliseconds(14));  // waits only for the first call's 2 ms service
}

}  // namespace
}  // namespace slotsim
