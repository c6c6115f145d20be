// Planted anomalies on the sim target: a store decorator (tests/support/planting_store.h)
// drops bookings after acknowledging them and holds after granting them, on a hot flash sale
// where other clients soon take the freed slots. Each anomaly must be reported under its own
// name with exactly the planted count — a dropped booking whose slot is rebooked is one lost
// booking (no double booking), a dropped hold another client then takes is one lost hold (no
// hold conflict) — and the same run over a correct store must report none.
#include <gtest/gtest.h>

#include <memory>

#include "simulator/run/run.h"
#include "tests/support/planting_store.h"
#include "tests/support/scenarios.h"

namespace slotsim {
namespace {

using testing::PlantedAnomalies;
using testing::PlantingStore;
using testing::ShippedScenarioPath;

class PlantedAnomaliesTest : public ::testing::Test {
 protected:
  // flash-sale, with every holder polling at least twice before it confirms or abandons, and
  // no client cancelling or moving its booking (which would excuse a missing one).
  StatusOr<RunResult> Run(StoreDecorator decorator) {
    StatusOr<Scenario> scenario =
        LoadScenario(ShippedScenarioPath("flash-sale"),
                     {"clients.think=\"uniform:12s:20s\"", "clients.reschedule=0",
                      "clients.cancel=0", "engine.heartbeat=\"5s\""});
    if (!scenario.ok()) return scenario.status();
    RunOptions options;
    options.wall_clock = &wall_;
    options.store_decorator = std::move(decorator);
    return RunScenario(*scenario, options);
  }

  SystemClock wall_;
};

TEST_F(PlantedAnomaliesTest, EachPlantedAnomalyIsCountedOnceUnderItsOwnName) {
  PlantedAnomalies planted;
  StatusOr<RunResult> result = Run([&planted](Store& inner) -> std::unique_ptr<Store> {
    return std::make_unique<PlantingStore>(inner, planted, /*booking_every=*/3,
                                           /*max_bookings=*/6, /*hold_every=*/4,
                                           /*max_holds=*/8);
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ConsistencyReport& c = result->consistency;
  ASSERT_EQ(planted.bookings_dropped, 6u);
  ASSERT_EQ(planted.holds_dropped, 8u);
  ASSERT_EQ(planted.holds_reported_lost, planted.holds_dropped);  // every holder was told
  // The run exercised both attributions: freed slots were taken by others.
  EXPECT_GT(planted.dropped_slots_rebooked, 0u);
  EXPECT_GT(planted.taken_before_told, 0u);
  EXPECT_EQ(c.lost_bookings, planted.bookings_dropped);
  EXPECT_EQ(c.double_bookings, 0u);
  EXPECT_EQ(c.phantom_bookings, 0u);
  EXPECT_EQ(c.lost_holds, planted.holds_dropped);
  EXPECT_EQ(c.hold_conflicts, 0u);
  EXPECT_EQ(c.hold_conflict_total_us, 0);
}

TEST_F(PlantedAnomaliesTest, TheSameRunOverACorrectStoreHasNone) {
  PlantedAnomalies planted;
  StatusOr<RunResult> result = Run([&planted](Store& inner) -> std::unique_ptr<Store> {
    return std::make_unique<PlantingStore>(inner, planted, 1, 0, 1, 0);
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ConsistencyReport& c = result->consistency;
  EXPECT_EQ(planted.bookings_dropped + planted.holds_dropped, 0u);
  EXPECT_GT(result->consistency.ops_checked, 1000u);
  EXPECT_EQ(c.lost_bookings, 0u);
  EXPECT_EQ(c.double_bookings, 0u);
  EXPECT_EQ(c.phantom_bookings, 0u);
  EXPECT_EQ(c.lost_holds, 0u);
  EXPECT_EQ(c.hold_conflicts, 0u);
}

}  // namespace
}  // namespace slotsim
