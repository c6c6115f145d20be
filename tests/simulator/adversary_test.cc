// Adversarial clients ([adversaries], client_adversary.cc) and the guarantees the checker
// judges from them (checker.h, "GUARANTEES"): hand-built histories for each rule, then sim runs
// where the legacy profile (anyone may release any hold) must be caught and the reference not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reports/summary.h"
#include "reports/thresholds.h"
#include "simulator/observe/checker.h"
#include "simulator/run/run.h"
#include "tests/support/scenarios.h"

namespace slotsim {
namespace {

constexpr const char* kDate = "2026-12-01";

Timestamp At(int64_t ms) { return SimClock::DefaultStart() + Millis(ms); }

OpRecord Op(OpKind kind, const std::string& client, const std::string& time, int64_t inv,
            int64_t comp, Outcome outcome = Outcome::kOk) {
  static uint64_t next_id = 0;
  OpRecord op;
  op.op_id = ++next_id;
  op.client_id = client;
  op.kind = kind;
  op.slot = {3, kDate, time};
  op.intended = op.invoked = At(inv);
  op.completed = At(comp);
  op.outcome = outcome;
  op.code = outcome == Outcome::kOk ? Code::kOk : Code::kNotHolder;
  return op;
}

OpRecord HeldSelect(const std::string& client, const std::string& time, int64_t inv, int64_t comp) {
  OpRecord op = Op(OpKind::kSelect, client, time, inv, comp);
  op.hold_expires = At(comp + 300000);
  return op;
}

// A plain poll of the day showing `others_held` as held by others.
OpRecord PlainPoll(const std::string& client, int64_t inv, int64_t comp,
                   std::vector<std::string> others_held) {
  OpRecord op = Op(OpKind::kPoll, client, "", inv, comp);
  op.others_held = std::move(others_held);
  return op;
}

OpRecord Confirm(const std::string& client, const std::string& time, const std::string& id,
                 int64_t inv, int64_t comp) {
  OpRecord op = Op(OpKind::kConfirm, client, time, inv, comp);
  op.idempotency_key = "k" + id;
  op.booking_id = id;
  return op;
}

OpRecord Cancel(const std::string& client, const std::string& id, int64_t inv, int64_t comp,
                Outcome outcome = Outcome::kOk) {
  OpRecord op = Op(OpKind::kCancel, client, "09:00", inv, comp, outcome);
  op.booking_id = id;
  return op;
}

ConsistencyReport Check(const std::vector<OpRecord>& ops, const std::vector<Booking>& final = {},
                        int64_t end_ms = 120000) {
  Checker checker;
  for (const OpRecord& op : ops) checker.Record(op);
  checker.Finish(final, At(end_ms));
  return checker.report();
}

TEST(GuaranteeRulesTest, ADeselectThatFreesAnotherClientsLiveHoldIsAForeignRelease) {
  const ConsistencyReport r = Check({
      HeldSelect("A", "09:00", 0, 1000),
      PlainPoll("X", 1500, 1510, {"09:00"}),
      Op(OpKind::kDeselect, "X", "09:00", 2000, 2010),
      PlainPoll("X", 2020, 2030, {}),  // gone
      Op(OpKind::kPoll, "A", "09:00", 5000, 5010),
  });
  EXPECT_EQ(r.foreign_releases, 1u);
}

TEST(GuaranteeRulesTest, ARefusedOrIneffectiveForeignDeselectIsNone) {
  std::vector<OpRecord> ops = {
      HeldSelect("A", "09:00", 0, 1000),
      Op(OpKind::kDeselect, "X", "09:00", 2000, 2010, Outcome::kFail),  // NotHolder
      PlainPoll("X", 2020, 2030, {}),
      HeldSelect("B", "10:00", 0, 1000),
      Op(OpKind::kDeselect, "Y", "10:00", 2000, 2010),  // OK, but nothing changed
      PlainPoll("Y", 2020, 2030, {"10:00"}),
  };
  EXPECT_EQ(Check(ops).foreign_releases, 0u);
}

TEST(GuaranteeRulesTest, ASlotItsHolderLetGoFirstIsNoForeignRelease) {
  const ConsistencyReport r = Check({
      HeldSelect("A", "09:00", 0, 1000),
      Op(OpKind::kDeselect, "A", "09:00", 1900, 1950),  // A abandons, invoked first
      Op(OpKind::kDeselect, "X", "09:00", 2000, 2010),
      PlainPoll("X", 2020, 2030, {}),
  });
  EXPECT_EQ(r.foreign_releases, 0u);
}

TEST(GuaranteeRulesTest, OnlyAPollSentAfterTheDeselectsAnswerDecides) {
  // X's poll invoked while the deselect was in flight shows nothing either way; the next does.
  std::vector<OpRecord> ops = {
      HeldSelect("A", "09:00", 0, 1000),
      PlainPoll("X", 2005, 2040, {}),
      Op(OpKind::kDeselect, "X", "09:00", 2000, 2010),
  };
  EXPECT_EQ(Check(ops).foreign_releases, 0u);
  ops.push_back(PlainPoll("X", 2050, 2060, {}));
  EXPECT_EQ(Check(ops).foreign_releases, 1u);
}

TEST(GuaranteeRulesTest, AHoldTakenAfterTheDeselectIsNotTheVictim) {
  const ConsistencyReport r = Check({
      Op(OpKind::kDeselect, "X", "09:00", 2000, 2010),
      HeldSelect("A", "09:00", 2005, 2015),  // began after the deselect was invoked
      PlainPoll("X", 2020, 2030, {}),
  });
  EXPECT_EQ(r.foreign_releases, 0u);
}

TEST(GuaranteeRulesTest, CancellingAnotherClientsBookingIsAForeignCancelNotALostBooking) {
  const ConsistencyReport r = Check({
      Confirm("A", "09:00", "APT-2026-000001", 0, 100),
      Cancel("X", "APT-2026-000001", 1000, 1010),
  });
  EXPECT_EQ(r.foreign_cancels, 1u);
  EXPECT_EQ(r.lost_bookings, 0u);  // its root cause is the foreign cancel
}

TEST(GuaranteeRulesTest, ARefusedForeignCancelExcusesNothing) {
  // The target refused X's cancel, yet the booking is gone at the end: a lost booking.
  const ConsistencyReport r = Check({
      Confirm("A", "09:00", "APT-2026-000001", 0, 100),
      Cancel("X", "APT-2026-000001", 1000, 1010, Outcome::kFail),
  });
  EXPECT_EQ(r.foreign_cancels, 0u);
  EXPECT_EQ(r.lost_bookings, 1u);
}

TEST(GuaranteeRulesTest, AnOwnersCancelIsNotForeign) {
  const ConsistencyReport r = Check({
      Confirm("A", "09:00", "APT-2026-000001", 0, 100),
      Cancel("A", "APT-2026-000001", 1000, 1010),
  });
  EXPECT_EQ(r.foreign_cancels, 0u);
  EXPECT_EQ(r.lost_bookings, 0u);
}

// ---- sim runs ---------------------------------------------------------------------------

class AdversaryRunTest : public ::testing::Test {
 protected:
  nlohmann::json Run(std::vector<std::string> overrides) {
    const std::string path = testing::ShippedScenarioPath("adversaries");
    StatusOr<Scenario> scenario = LoadScenario(path, overrides);
    EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
    if (!scenario.ok()) return {};
    RunOptions options;
    options.wall_clock = &wall_;
    StatusOr<RunResult> result = RunScenario(*scenario, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    nlohmann::json s = SummaryJson(*result, SummaryOptions{path, overrides});
    s["thresholds"] = ThresholdsJson(EvaluateThresholds(s, scenario->thresholds));
    return s;
  }
  static uint64_t At(const nlohmann::json& s, const char* section, const char* key) {
    return s[section].value(key, uint64_t{0});
  }
  static bool Passed(const nlohmann::json& s, const std::string& metric) {
    for (const nlohmann::json& t : s["thresholds"]) {
      if (t["metric"] == metric) return t["ok"].get<bool>();
    }
    ADD_FAILURE() << "no threshold on " << metric;
    return false;
  }
  SystemClock wall_;
};

TEST_F(AdversaryRunTest, LegacyLetsAnyoneReleaseAHoldAndIsCaught) {
  const nlohmann::json s =
      Run({"engine.profile=legacy", "adversaries.behaviors=[\"release_foreign\"]"});
  ASSERT_FALSE(s.is_null());
  EXPECT_GT(At(s, "clients", "adversaries"), 10u);
  EXPECT_GT(At(s, "consistency", "foreign_releases"), 0u);
  EXPECT_FALSE(Passed(s, "consistency.foreign_releases"));
}

TEST_F(AdversaryRunTest, ReferenceRefusesEveryForeignReleaseAndCancel) {
  const nlohmann::json s = Run({});
  ASSERT_FALSE(s.is_null());
  EXPECT_GT(At(s, "clients", "adversaries"), 10u);
  EXPECT_EQ(At(s, "consistency", "foreign_releases"), 0u);
  EXPECT_EQ(At(s, "consistency", "foreign_cancels"), 0u);
  // They did try: the engine refused their deselects and cancels.
  EXPECT_GT(s["ops"]["deselect"]["codes"].value("NotHolder", 0), 0);
  EXPECT_GT(s["ops"]["cancel"]["count"].get<uint64_t>(), 0u);
  for (const nlohmann::json& t : s["thresholds"]) EXPECT_TRUE(t["ok"].get<bool>()) << t.dump();
}

TEST_F(AdversaryRunTest, WithoutAdversariesGuaranteesAreNotMeasured) {
  const nlohmann::json s = Run({"adversaries.share=0"});
  ASSERT_FALSE(s.is_null());
  EXPECT_FALSE(s["clients"].contains("adversaries"));
  EXPECT_FALSE(s["consistency"].contains("foreign_releases"));
  EXPECT_FALSE(Passed(s, "consistency.foreign_releases"));  // no data is not a pass
}

TEST_F(AdversaryRunTest, AdversaryBehaviorsAreValidated) {
  const std::string path = testing::ShippedScenarioPath("adversaries");
  for (const char* bad : {"adversaries.behaviors=[\"steal\"]", "adversaries.share=1.5",
                          "adversaries.behaviors=[]", "adversaries.attempts=0"}) {
    StatusOr<Scenario> s = LoadScenario(path, {bad});
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace slotsim
