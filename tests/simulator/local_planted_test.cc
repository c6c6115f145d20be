// Planted anomalies on the `local` target: the same store decorator as on sim
// (tests/support/planting_store.h), here over real Redis and MariaDB that the run launches and
// with the engine's workers calling it concurrently. A dropped booking is one lost booking (no
// double booking, even when its slot is rebooked), a dropped hold one lost hold (no hold
// conflict), each with exactly the planted count read back from the real table; and the same run
// without plants reports none.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "common/clock.h"
#include "simulator/run/run.h"
#include "tests/support/planting_store.h"
#include "tests/support/scenarios.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

using testing::PlantedAnomalies;
using testing::PlantingStore;
using testing::ShippedScenarioPath;

class LocalPlantedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveServerBinaries()) GTEST_SKIP() << "redis-server / mariadbd not installed";
  }

  // flash-sale on local, shrunk to 22 s of wall time: ~80 clients race for one employee's day;
  // every holder polls (every second) at least twice before it confirms or abandons, and no
  // client cancels or moves a booking (which would excuse a missing one).
  StatusOr<RunResult> Run(PlantedAnomalies& planted, int booking_every, uint64_t max_bookings,
                          int hold_every, uint64_t max_holds) {
    StatusOr<Scenario> scenario =
        LoadScenario(ShippedScenarioPath("flash-sale"),
                     {"target.kind=\"local\"", "duration=\"22s\"", "engine.heartbeat=\"1s\"",
                      "load.stages=[{ for = \"10s\", to = 8 }, { for = \"12s\", to = 0 }]",
                      "clients.think=\"uniform:3s:5s\"", "clients.browse=\"const:500ms\"",
                      "clients.reschedule=0", "clients.cancel=0",
                      // A loaded machine must not fail Redis over (holds re-asserted on MySQL can
                      // then be lost for real, which this test does not plant).
                      "engine.redis_deadline=\"2s\""});
    if (!scenario.ok()) return scenario.status();
    RunOptions options;
    options.wall_clock = &wall_;
    if (const char* h = std::getenv("LOCAL_PLANTED_HISTORY")) options.history_path = h;
    options.store_decorator = [&](Store& inner) -> std::unique_ptr<Store> {
      return std::make_unique<PlantingStore>(inner, planted, booking_every, max_bookings,
                                             hold_every, max_holds);
    };
    return RunScenario(*scenario, options);
  }

  SystemClock wall_;
};

TEST_F(LocalPlantedTest, EachPlantedAnomalyIsCountedOnceUnderItsOwnNameOnRealServers) {
  PlantedAnomalies planted;
  StatusOr<RunResult> result = Run(planted, /*booking_every=*/2, /*max_bookings=*/3,
                                   /*hold_every=*/4, /*max_holds=*/4);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ConsistencyReport& c = result->consistency;
  ASSERT_EQ(planted.bookings_dropped, 3u);
  ASSERT_EQ(planted.holds_dropped, 4u);
  ASSERT_EQ(planted.holds_reported_lost, planted.holds_dropped) << "every holder was told";
  ASSERT_TRUE(result->metrics.switches.empty()) << "Redis stayed primary throughout";
  EXPECT_EQ(c.read_back, ReadBack::kComplete);
  EXPECT_EQ(c.lost_bookings, planted.bookings_dropped);
  EXPECT_EQ(c.double_bookings, 0u);
  EXPECT_EQ(c.phantom_bookings, 0u);
  EXPECT_EQ(c.lost_holds, planted.holds_dropped);
  EXPECT_EQ(c.hold_conflicts, 0u);
}

TEST_F(LocalPlantedTest, TheSameRunWithoutPlantsHasNone) {
  PlantedAnomalies planted;
  StatusOr<RunResult> result = Run(planted, 1, 0, 1, 0);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ConsistencyReport& c = result->consistency;
  EXPECT_EQ(planted.bookings_dropped + planted.holds_dropped, 0u);
  ASSERT_TRUE(result->metrics.switches.empty()) << "Redis stayed primary throughout";
  EXPECT_GT(c.ops_checked, 200u);
  EXPECT_EQ(c.lost_bookings, 0u);
  EXPECT_EQ(c.double_bookings, 0u);
  EXPECT_EQ(c.phantom_bookings, 0u);
  EXPECT_EQ(c.lost_holds, 0u);
  EXPECT_EQ(c.hold_conflicts, 0u);
}

}  // namespace
}  // namespace slotsim
