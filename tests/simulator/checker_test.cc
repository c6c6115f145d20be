// Checker: hand-built histories, each holding one kind of anomaly (or none), fed in completion
// order; the report must find exactly that anomaly with the right count.
#include "simulator/observe/checker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace slotsim {
namespace {

constexpr int kEmployee = 4;
constexpr const char* kDate = "2026-12-01";

class CheckerTest : public ::testing::Test {
 protected:
  static Timestamp At(int64_t ms) { return SimClock::DefaultStart() + Millis(ms); }

  OpRecord Op(OpKind kind, const std::string& client, const std::string& time, int64_t invoked_ms,
              int64_t completed_ms, Outcome outcome = Outcome::kOk) {
    OpRecord op;
    op.op_id = ++next_op_id_;
    op.client_id = client;
    op.kind = kind;
    op.slot = {kEmployee, kDate, time};
    op.intended = op.invoked = At(invoked_ms);
    op.completed = At(completed_ms);
    op.outcome = outcome;
    op.code = outcome == Outcome::kOk
                  ? Code::kOk
                  : (outcome == Outcome::kFail ? Code::kSlotHeld : Code::kTimeout);
    return op;
  }
  OpRecord Select(const std::string& client, const std::string& time, int64_t inv, int64_t comp,
                  Outcome outcome = Outcome::kOk) {
    return Op(OpKind::kSelect, client, time, inv, comp, outcome);
  }
  OpRecord Deselect(const std::string& client, const std::string& time, int64_t inv, int64_t comp) {
    return Op(OpKind::kDeselect, client, time, inv, comp);
  }
  // A poll of the day; `selected` non-empty with `own` for a client re-asserting its hold.
  OpRecord Poll(const std::string& client, int64_t inv, int64_t comp,
                std::vector<std::string> others_held, const std::string& selected = "",
                std::optional<HoldStatus> own = std::nullopt) {
    OpRecord op = Op(OpKind::kPoll, client, selected, inv, comp);
    op.others_held = std::move(others_held);
    op.own = own;
    return op;
  }
  OpRecord Confirm(const std::string& client, const std::string& time, const std::string& key,
                   const std::string& booking, int64_t inv, int64_t comp,
                   Outcome outcome = Outcome::kOk) {
    OpRecord op = Op(OpKind::kConfirm, client, time, inv, comp, outcome);
    op.idempotency_key = key;
    op.booking_id = outcome == Outcome::kOk ? booking : "";
    return op;
  }
  OpRecord Reschedule(const std::string& client, const std::string& booking,
                      const std::string& new_time, int64_t inv, int64_t comp,
                      Outcome outcome = Outcome::kOk) {
    OpRecord op = Op(OpKind::kReschedule, client, new_time, inv, comp, outcome);
    op.booking_id = booking;
    return op;
  }
  OpRecord Cancel(const std::string& client, const std::string& booking, const std::string& time,
                  int64_t inv, int64_t comp, Outcome outcome = Outcome::kOk) {
    OpRecord op = Op(OpKind::kCancel, client, time, inv, comp, outcome);
    op.booking_id = booking;
    return op;
  }
  static Booking Final(const std::string& id, const std::string& client, const std::string& time,
                       const std::string& key) {
    Booking b;
    b.id = id;
    b.client_id = client;
    b.slot = {kEmployee, kDate, time};
    b.idempotency_key = key;
    return b;
  }

  // Feeds `ops` in the given (completion) order, then finishes at `end_ms`.
  ConsistencyReport Run(const std::vector<OpRecord>& ops, const std::vector<Booking>& final_state,
                        int64_t end_ms, const std::vector<FailoverWindow>& windows = {}) {
    Checker checker(options_);
    for (const OpRecord& op : ops) checker.Record(op);
    for (const FailoverWindow& w : windows) checker.AddFailoverWindow(w.start, w.end);
    checker.Finish(final_state, At(end_ms));
    return checker.report();
  }

  // The two-holders history: B is given A's held slot at 5 s, and A's heartbeat at 6.4 s is
  // still told it holds it (the server has two holders); A releases it at 6.5 s.
  std::vector<OpRecord> TwoHolders() {
    OpRecord a = Select("A", "09:00", 0, 1000);
    a.hold_expires = At(301000);
    OpRecord a_poll = Poll("A", 6400, 6450, {}, "09:00", HoldStatus::kHeld);
    a_poll.hold_expires = At(306000);
    return {a, Select("B", "09:00", 4900, 5000), a_poll, Deselect("A", "09:00", 6500, 6510),
            Deselect("B", "09:00", 20000, 20010)};
  }

  CheckerOptions options_;
  uint64_t next_op_id_ = 0;
};

TEST_F(CheckerTest, CleanHistoryHasNoAnomalies) {
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 0, 10),
      Poll("B", 100, 110, {"09:00"}),
      Poll("A", 5000, 5010, {}, "09:00", HoldStatus::kHeld),
      Poll("C", 6000, 6010, {"09:00"}),
      Confirm("A", "09:00", "k1", "APT-2026-000001", 8000, 8050),
      Poll("B", 10000, 10010, {}),
      Cancel("A", "APT-2026-000001", "09:00", 20000, 20020),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.records, 7u);
  EXPECT_EQ(r.ops_checked, 7u);
  EXPECT_EQ(r.double_bookings, 0u);
  EXPECT_EQ(r.lost_bookings, 0u);
  EXPECT_EQ(r.phantom_bookings, 0u);
  EXPECT_EQ(r.hold_conflicts, 0u);
  EXPECT_EQ(r.hold_conflict_total_us, 0);
  EXPECT_EQ(r.lost_holds, 0u);
  EXPECT_EQ(r.visibility_unseen, 0u);
  EXPECT_EQ(r.late_records, 0u);
  EXPECT_EQ(r.visibility_lag_us.TotalCount(), 1);
  EXPECT_EQ(r.visibility_lag_ms.max, 0.0);
}

TEST_F(CheckerTest, SecondAcknowledgedBookingOnASlotIsADoubleBooking) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 150, 200),
  };
  const std::vector<Booking> final_state = {Final("APT-2026-000001", "A", "09:00", "ka"),
                                            Final("APT-2026-000002", "B", "09:00", "kb")};
  const ConsistencyReport r = Run(ops, final_state, 1000);
  // The final state's two bookings are the same episode the history showed.
  EXPECT_EQ(r.double_bookings, 1u);
  EXPECT_EQ(r.lost_bookings, 0u);
  EXPECT_EQ(r.phantom_bookings, 0u);
}

TEST_F(CheckerTest, DoubleBookingsCountOncePerEpisode) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 150, 200),  // episode 1 starts
      Confirm("C", "09:00", "kc", "APT-2026-000003", 250, 300),  // still episode 1
      Cancel("B", "APT-2026-000002", "09:00", 400, 410),
      Cancel("C", "APT-2026-000003", "09:00", 500, 510),         // episode 1 ends
      Confirm("D", "09:00", "kd", "APT-2026-000004", 600, 700),  // episode 2
  };
  const std::vector<Booking> final_state = {Final("APT-2026-000001", "A", "09:00", "ka"),
                                            Final("APT-2026-000004", "D", "09:00", "kd")};
  EXPECT_EQ(Run(ops, final_state, 1000).double_bookings, 2u);
}

TEST_F(CheckerTest, DoubleBookingOnlyInFinalStateCounts) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "", 0, 100, Outcome::kUnknown),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 150, 200),
  };
  const std::vector<Booking> final_state = {Final("APT-2026-000001", "A", "09:00", "ka"),
                                            Final("APT-2026-000002", "B", "09:00", "kb")};
  const ConsistencyReport r = Run(ops, final_state, 1000);
  EXPECT_EQ(r.double_bookings, 1u);
  EXPECT_EQ(r.phantom_bookings, 0u);  // the unknown confirm explains APT-2026-000001
}

TEST_F(CheckerTest, ConfirmAfterAnInFlightCancelIsNotADoubleBooking) {
  // The cancel was invoked before B's confirm completed, but its answer arrives last.
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 1500, 2000),
      Cancel("A", "APT-2026-000001", "09:00", 1000, 3000),
  };
  const ConsistencyReport r = Run(ops, {Final("APT-2026-000002", "B", "09:00", "kb")}, 5000);
  EXPECT_EQ(r.double_bookings, 0u);
  EXPECT_EQ(r.lost_bookings, 0u);
}

TEST_F(CheckerTest, RescheduleMovesTheBookingAwayFromItsOldSlot) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 1020, 1050),
      Reschedule("A", "APT-2026-000001", "10:00", 1000, 1100),
  };
  const std::vector<Booking> final_state = {Final("APT-2026-000001", "A", "10:00", "ka"),
                                            Final("APT-2026-000002", "B", "09:00", "kb")};
  const ConsistencyReport r = Run(ops, final_state, 5000);
  EXPECT_EQ(r.double_bookings, 0u);
  EXPECT_EQ(r.lost_bookings, 0u);
  EXPECT_EQ(r.phantom_bookings, 0u);
}

TEST_F(CheckerTest, AcknowledgedBookingMissingAtTheEndIsLost) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Confirm("B", "09:30", "kb", "APT-2026-000002", 0, 100),
  };
  const ConsistencyReport r = Run(ops, {Final("APT-2026-000002", "B", "09:30", "kb")}, 1000);
  EXPECT_EQ(r.lost_bookings, 1u);
  EXPECT_EQ(r.phantom_bookings, 0u);
  EXPECT_EQ(r.double_bookings, 0u);
}

TEST_F(CheckerTest, BookingFoundOnAnotherSlotThanAcknowledgedIsLost) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Reschedule("A", "APT-2026-000001", "10:00", 1000, 1100),
  };
  EXPECT_EQ(Run(ops, {Final("APT-2026-000001", "A", "09:00", "ka")}, 5000).lost_bookings, 1u);
  EXPECT_EQ(Run(ops, {Final("APT-2026-000001", "A", "10:00", "ka")}, 5000).lost_bookings, 0u);
}

TEST_F(CheckerTest, RescheduleWithUnknownOutcomeAcceptsEitherSlot) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Reschedule("A", "APT-2026-000001", "10:00", 1000, 1100, Outcome::kUnknown),
  };
  EXPECT_EQ(Run(ops, {Final("APT-2026-000001", "A", "09:00", "ka")}, 5000).lost_bookings, 0u);
  EXPECT_EQ(Run(ops, {Final("APT-2026-000001", "A", "10:00", "ka")}, 5000).lost_bookings, 0u);
  EXPECT_EQ(Run(ops, {}, 5000).lost_bookings, 1u);
}

TEST_F(CheckerTest, CancelWithUnknownOutcomeExcusesAMissingBooking) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 0, 100),
      Cancel("A", "APT-2026-000001", "09:00", 200, 300, Outcome::kUnknown),
      Confirm("B", "09:30", "kb", "APT-2026-000002", 0, 100),
      Cancel("B", "APT-2026-000002", "09:30", 200, 300, Outcome::kFail),
  };
  EXPECT_EQ(Run(ops, {}, 1000).lost_bookings, 0u);
}

TEST_F(CheckerTest, StoredBookingNobodyWasToldAboutIsAPhantom) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "", 0, 100, Outcome::kFail),
      Confirm("B", "09:30", "kb", "APT-2026-000002", 0, 100),
  };
  const std::vector<Booking> final_state = {Final("APT-2026-000001", "A", "09:00", "ka"),
                                            Final("APT-2026-000002", "B", "09:30", "kb"),
                                            Final("legacy-77", "Z", "11:00", "kz")};
  const ConsistencyReport r = Run(ops, final_state, 1000);
  EXPECT_EQ(r.phantom_bookings, 2u);
  EXPECT_EQ(r.lost_bookings, 0u);
}

TEST_F(CheckerTest, ConfirmWithUnknownOutcomeIsNotAPhantom) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "", 0, 100, Outcome::kUnknown),
  };
  const ConsistencyReport r = Run(ops, {Final("APT-2026-000001", "A", "09:00", "ka")}, 1000);
  EXPECT_EQ(r.phantom_bookings, 0u);
  EXPECT_EQ(r.lost_bookings, 0u);  // never acknowledged: nothing to lose
}

TEST_F(CheckerTest, TwoSimultaneousHoldersAreAHoldConflict) {
  const ConsistencyReport r = Run(TwoHolders(), {}, 30000);
  EXPECT_EQ(r.hold_conflicts, 1u);
  EXPECT_EQ(r.hold_conflict_total_us, 1'500'000);  // B from 5.0 s, A until its poll at 6.5 s
  EXPECT_DOUBLE_EQ(r.hold_conflict_total_ms, 1500.0);
  EXPECT_EQ(r.hold_conflicts_outside_failover, 1u);
  EXPECT_EQ(r.lost_holds, 0u);
}

TEST_F(CheckerTest, HoldConflictInsideAFailoverWindowIsNotCountedOutside) {
  EXPECT_EQ(Run(TwoHolders(), {}, 30000, {{At(4000), At(7000)}}).hold_conflicts_outside_failover,
            0u);
  EXPECT_EQ(Run(TwoHolders(), {}, 30000, {{At(6000), At(6100)}}).hold_conflicts_outside_failover,
            0u);  // a partial overlap is not "entirely outside"
  const ConsistencyReport r = Run(TwoHolders(), {}, 30000, {{At(10000), At(20000)}});
  EXPECT_EQ(r.hold_conflicts, 1u);
  EXPECT_EQ(r.hold_conflicts_outside_failover, 1u);
}

TEST_F(CheckerTest, FailoverWindowAddedAfterFinishStillClassifies) {
  Checker checker(options_);
  for (const OpRecord& op : TwoHolders()) checker.Record(op);
  checker.Finish({}, At(30000));
  EXPECT_EQ(checker.report().hold_conflicts_outside_failover, 1u);
  checker.AddFailoverWindow(At(0), At(10000));
  EXPECT_EQ(checker.report().hold_conflicts_outside_failover, 0u);
}

TEST_F(CheckerTest, ConflictsBeyondTheIntervalCapAreClassifiedWhenTheySettle) {
  options_.max_conflict_intervals = 0;
  Checker early(options_);
  early.AddFailoverWindow(At(4000), At(7000));
  for (const OpRecord& op : TwoHolders()) early.Record(op);
  early.Finish({}, At(30000));
  EXPECT_EQ(early.report().hold_conflicts_outside_failover, 0u);
  EXPECT_EQ(early.memory().conflict_intervals, 0u);

  Checker late(options_);
  for (const OpRecord& op : TwoHolders()) late.Record(op);
  late.Finish({}, At(30000));
  late.AddFailoverWindow(At(4000), At(7000));  // too late for an interval not kept
  EXPECT_EQ(late.report().hold_conflicts, 1u);
  EXPECT_EQ(late.report().hold_conflicts_outside_failover, 1u);
}

TEST_F(CheckerTest, HoldThatVanishesBeforeItsTtlIsALostHold) {
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 0, 1000),
      Poll("A", 5000, 5010, {}, "09:00", HoldStatus::kHeld),
      Poll("A", 10000, 10010, {}, "09:00", HoldStatus::kLost),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.lost_holds, 1u);
  EXPECT_EQ(r.hold_conflicts, 0u);
}

TEST_F(CheckerTest, HoldLostAfterItsExpiryOrReleaseIsNotALostHold) {
  OpRecord expired = Select("A", "09:00", 0, 1000);
  expired.hold_expires = At(2000);
  const std::vector<OpRecord> ops = {
      expired,
      Poll("A", 10000, 10010, {}, "09:00", HoldStatus::kTaken),
      Select("B", "09:30", 0, 1000),
      Deselect("B", "09:30", 3000, 3010),
      Poll("B", 4000, 4010, {}, "09:30", HoldStatus::kLost),
  };
  EXPECT_EQ(Run(ops, {}, 30000).lost_holds, 0u);
}

TEST_F(CheckerTest, SlowVisibilityIsMeasuredToTheFirstPollThatShowsTheHold) {
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 900, 1000),
      Poll("B", 2000, 2010, {}),
      Poll("C", 3000, 3010, {"09:30"}),
      Poll("A", 4000, 4010, {}, "09:00", HoldStatus::kHeld),  // the holder's own poll: ignored
      Poll("B", 7000, 7010, {"09:00"}),
      Poll("C", 8000, 8010, {"09:00"}),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  ASSERT_EQ(r.visibility_lag_us.TotalCount(), 1);
  EXPECT_EQ(r.visibility_lag_us.Max(), 6'000'000);
  EXPECT_DOUBLE_EQ(r.visibility_lag_ms.max, 6000.0);
  EXPECT_DOUBLE_EQ(r.visibility_lag_ms.p50, 6000.0);
  EXPECT_EQ(r.visibility_unseen, 0u);
}

TEST_F(CheckerTest, HoldReleasedBeforeAnyPollShowsItIsUnseen) {
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 900, 1000),    Poll("B", 2000, 2010, {}),
      Deselect("A", "09:00", 3000, 3010), Select("C", "09:00", 3500, 3600),
      Poll("B", 4000, 4010, {"09:00"}),  // C's hold, not A's
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.visibility_unseen, 1u);
  // C's hold was seen by the first poll after it.
  ASSERT_EQ(r.visibility_lag_us.TotalCount(), 1);
  EXPECT_EQ(r.visibility_lag_us.Max(), 0);
}

TEST_F(CheckerTest, DeselectInFlightWhenAnotherClientSelectsIsNoConflict) {
  // A's deselect is invoked at 2 s but answered at 9 s, after B's select (3 s) was recorded.
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 900, 1000),
      Select("B", "09:00", 2500, 3000),
      Deselect("A", "09:00", 2000, 9000),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.hold_conflicts, 0u);
  EXPECT_EQ(r.late_records, 0u);
}

TEST_F(CheckerTest, OlderConcurrentPollDoesNotMoveTheBelief) {
  // A's heartbeat for 09:00 was sent before A selected 10:00 and answered after: A believes
  // 10:00, so B taking 09:00 later is no conflict.
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 0, 100),
      Select("A", "10:00", 1100, 1200),
      Poll("A", 1000, 1300, {}, "09:00", HoldStatus::kHeld),
      Select("B", "09:00", 2000, 2100),
      Select("C", "10:00", 3000, 3100),  // but C taking 10:00 is
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.hold_conflicts, 1u);
  EXPECT_EQ(r.hold_conflict_total_us, (30000 - 3100) * 1000);
}

TEST_F(CheckerTest, PollsAreOrderedByInvokeTimeNotArrival) {
  // B's poll was invoked first (2 s) and did not show the hold, but arrives after C's (3 s).
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 900, 1000),
      Poll("C", 3000, 3500, {"09:00"}),
      Poll("B", 2000, 9000, {}),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  ASSERT_EQ(r.visibility_lag_us.TotalCount(), 1);
  EXPECT_EQ(r.visibility_lag_us.Max(), 2'000'000);
}

TEST_F(CheckerTest, ConflictsSettleOnlineAndStateStaysBounded) {
  options_.hold_ttl = Millis(10000);
  options_.max_op_duration = Millis(1000);
  Checker checker(options_);
  for (const OpRecord& op : TwoHolders()) checker.Record(op);
  int64_t t = 40000;
  for (int i = 0; i < 2000; ++i, t += 100) {
    const std::string client = "c" + std::to_string(i);
    const std::string time = (i % 2 == 0) ? "13:00" : "13:30";
    checker.Record(Select(client, time, t, t + 10));
    checker.Record(Poll("watcher", t + 20, t + 30, {time}));
    checker.Record(Deselect(client, time, t + 50, t + 60));
  }
  // Settled long before Finish().
  const ConsistencyReport before = checker.report();
  EXPECT_FALSE(before.finished);
  EXPECT_EQ(before.hold_conflicts, 1u);
  EXPECT_EQ(before.lost_holds, 0u);
  EXPECT_GE(before.visibility_lag_us.TotalCount(), 1900);
  const CheckerMemory mem = checker.memory();
  EXPECT_LE(mem.beliefs, 40u);  // only beliefs within the last max_op_duration
  EXPECT_LE(mem.pending_tasks, 200u);
  EXPECT_LE(mem.pending_visibility, 2u);
  checker.Finish({}, At(t + 1000));
  const ConsistencyReport r = checker.report();
  EXPECT_EQ(r.hold_conflicts, 1u);
  // Every loop hold; A's was followed by B's select unseen, and B's had only A's re-assert.
  EXPECT_EQ(r.visibility_lag_us.TotalCount(), 2000);
  EXPECT_EQ(r.visibility_unseen, 2u);
  EXPECT_EQ(checker.memory().beliefs, 0u);
}

TEST_F(CheckerTest, RecordInvokedLongBeforeTheWatermarkIsCountedLate) {
  options_.max_op_duration = Millis(1000);
  Checker checker(options_);
  checker.Record(Select("A", "09:00", 9000, 10000));
  checker.Record(Poll("B", 2000, 10500, {}));
  EXPECT_EQ(checker.report().late_records, 1u);
}

TEST_F(CheckerTest, AvailabilityRecordsAreNotChecked) {
  Checker checker(options_);
  checker.Record(Op(OpKind::kAvailability, "A", "", 0, 10));
  checker.Finish({}, At(100));
  EXPECT_EQ(checker.report().records, 1u);
  EXPECT_EQ(checker.report().ops_checked, 0u);
}

// ---- one name per root cause --------------------------------------------------------------

TEST_F(CheckerTest, LostBookingWhoseSlotIsRebookedIsOneLostBookingNotADouble) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 900, 1000),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 4900, 5000),  // A's had vanished
  };
  const ConsistencyReport r = Run(ops, {Final("APT-2026-000002", "B", "09:00", "kb")}, 10000);
  EXPECT_EQ(r.lost_bookings, 1u);
  EXPECT_EQ(r.double_bookings, 0u);
  EXPECT_EQ(r.phantom_bookings, 0u);
}

TEST_F(CheckerTest, BeforeFinishTheDoubleCountAssumesNoBookingIsLost) {
  options_.max_op_duration = Millis(1000);
  Checker checker(options_);
  checker.Record(Confirm("A", "09:00", "ka", "APT-2026-000001", 900, 1000));
  checker.Record(Confirm("B", "09:00", "kb", "APT-2026-000002", 4900, 5000));
  checker.Record(Poll("C", 9000, 9010, {}));  // settles both
  EXPECT_EQ(checker.report().double_bookings, 1u);
  EXPECT_EQ(checker.memory().double_candidates, 1u);
  checker.Finish({Final("APT-2026-000002", "B", "09:00", "kb")}, At(10000));
  EXPECT_EQ(checker.report().double_bookings, 0u);
  EXPECT_EQ(checker.report().lost_bookings, 1u);
}

TEST_F(CheckerTest, TwoBookingsStillThereAtTheEndAreOneDoubleBesideALostOne) {
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 900, 1000),  // lost
      Confirm("B", "09:00", "kb", "APT-2026-000002", 4900, 5000),
      Confirm("C", "09:00", "kc", "APT-2026-000003", 5900, 6000),  // B's is still there
  };
  const ConsistencyReport r = Run(
      ops,
      {Final("APT-2026-000002", "B", "09:00", "kb"), Final("APT-2026-000003", "C", "09:00", "kc")},
      10000);
  EXPECT_EQ(r.lost_bookings, 1u);
  EXPECT_EQ(r.double_bookings, 1u);
}

TEST_F(CheckerTest, ALostBookingCountsAsThereUntilItsLastAcknowledgement) {
  // A's confirm is acknowledged again (an idempotent repeat) at 6 s, after B's booking at 5 s:
  // both existed then, a double booking; A's vanished after 6 s.
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 900, 1000),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 4900, 5000),
      Confirm("A", "09:00", "ka", "APT-2026-000001", 5900, 6000),
  };
  const ConsistencyReport r = Run(ops, {Final("APT-2026-000002", "B", "09:00", "kb")}, 10000);
  EXPECT_EQ(r.lost_bookings, 1u);
  EXPECT_EQ(r.double_bookings, 1u);
  // Acknowledged only before B's: vanished before B's booking, as far as anyone can tell.
  const ConsistencyReport once = Run({ops[0], ops[1]}, {}, 10000);
  EXPECT_EQ(once.lost_bookings, 2u);
  EXPECT_EQ(once.double_bookings, 0u);
}

TEST_F(CheckerTest, ALostBookingLeavesTheFinalStateDoubleToTheBookingsThere) {
  // A's booking vanished and B rebooked the slot; the final state also has a phantom on it.
  const std::vector<OpRecord> ops = {
      Confirm("A", "09:00", "ka", "APT-2026-000001", 900, 1000),
      Confirm("B", "09:00", "kb", "APT-2026-000002", 4900, 5000),
  };
  const ConsistencyReport r = Run(
      ops,
      {Final("APT-2026-000002", "B", "09:00", "kb"), Final("APT-2026-000009", "P", "09:00", "kp")},
      10000);
  EXPECT_EQ(r.lost_bookings, 1u);
  EXPECT_EQ(r.phantom_bookings, 1u);
  EXPECT_EQ(r.double_bookings, 1u);  // B's and the phantom, in the final state
}

TEST_F(CheckerTest, HoldThatVanishedAndWasTakenIsALostHoldNotAConflict) {
  OpRecord a = Select("A", "09:00", 0, 1000);
  a.hold_expires = At(301000);
  const std::vector<OpRecord> ops = {
      a,
      Select("B", "09:00", 4900, 5000),  // the server no longer kept A's hold
      Poll("A", 6400, 6500, {"09:00"}, "09:00", HoldStatus::kLost),
      Deselect("B", "09:00", 20000, 20010),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.lost_holds, 1u);
  EXPECT_EQ(r.hold_conflicts, 0u);
  EXPECT_EQ(r.hold_conflict_total_us, 0);
}

TEST_F(CheckerTest, HolderStillAffirmedAfterAnotherTookTheSlotIsAConflictThenALostHold) {
  // The server told A it held 09:00 at 6.4 s, after giving it to B at 5 s: two holders at once.
  OpRecord a = Select("A", "09:00", 0, 1000);
  a.hold_expires = At(301000);
  OpRecord held = Poll("A", 6400, 6450, {}, "09:00", HoldStatus::kHeld);
  held.hold_expires = At(306000);
  const std::vector<OpRecord> ops = {
      a,
      Select("B", "09:00", 4900, 5000),
      held,
      Poll("A", 8000, 8010, {"09:00"}, "09:00", HoldStatus::kLost),
      Deselect("B", "09:00", 20000, 20010),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.hold_conflicts, 1u);
  EXPECT_EQ(r.hold_conflict_total_us, 3'010'000);  // B from 5 s, A until its lost poll
  EXPECT_EQ(r.lost_holds, 1u);
}

TEST_F(CheckerTest, LaterHolderToldLostAfterTakingAHeldSlotIsAConflict) {
  // B was given 09:00 while A held it, and then told A has it: the earlier belief never ended
  // as a lost hold, so nothing explains the overlap but two holders.
  OpRecord a = Select("A", "09:00", 0, 1000);
  a.hold_expires = At(301000);
  const std::vector<OpRecord> ops = {
      a,
      Select("B", "09:00", 4900, 5000),
      Poll("B", 6400, 6500, {"09:00"}, "09:00", HoldStatus::kLost),
      Deselect("A", "09:00", 20000, 20010),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  EXPECT_EQ(r.hold_conflicts, 1u);
  EXPECT_EQ(r.lost_holds, 1u);
}

TEST_F(CheckerTest, PollsWithoutOwnerAnswersMakeNoConflictOfAVanishedHold) {
  // A plugin-shaped server: no appointease_hold, no expires_at. A's heartbeat lists 09:00 (B's
  // hold: no answer about A's own), then finds it booked by B.
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 0, 1000),
      Select("B", "09:00", 4900, 5000),
      Poll("A", 6000, 6010, {"09:00"}, "09:00"),
      Confirm("B", "09:00", "kb", "APT-2026-000001", 8000, 8100),
      Poll("A", 11000, 11010, {}, "09:00", HoldStatus::kTaken),
  };
  const ConsistencyReport r = Run(ops, {Final("APT-2026-000001", "B", "09:00", "kb")}, 30000);
  EXPECT_EQ(r.lost_holds, 1u);
  EXPECT_EQ(r.hold_conflicts, 0u);
  EXPECT_EQ(r.double_bookings, 0u);
  // Its time gone from the lists before anyone took it: lost at once, nothing overlaps.
  const std::vector<OpRecord> absent = {
      Select("A", "09:00", 0, 1000),
      Poll("A", 3000, 3010, {}, "09:00", HoldStatus::kLost),
      Select("B", "09:00", 4900, 5000),
  };
  const ConsistencyReport r2 = Run(absent, {}, 30000);
  EXPECT_EQ(r2.lost_holds, 1u);
  EXPECT_EQ(r2.hold_conflicts, 0u);
}

TEST_F(CheckerTest, LostAnswerAfterTheAssumedTtlFromTheSelectsSendIsNotALostHold) {
  // No stated expiry: the server's TTL ran from when it took the select (sent at 0), so a
  // poll sent at 300.5 s may find it expired although 300 s after the answer (1 s) is later.
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 0, 1000),
      Poll("A", 300500, 300510, {}, "09:00", HoldStatus::kLost),
  };
  EXPECT_EQ(Run(ops, {}, 400000).lost_holds, 0u);
}

TEST_F(CheckerTest, ReassertsOfTheSameSlotAreNoVisibilitySamples) {
  // B believes it holds 09:00 too: its heartbeat re-asserting 09:00 is no observer of A's
  // hold, so C's poll is the first sample, and it saw the hold.
  const std::vector<OpRecord> ops = {
      Select("A", "09:00", 900, 1000),
      Poll("B", 2000, 2010, {}, "09:00", HoldStatus::kHeld),
      Poll("C", 3000, 3010, {"09:00"}),
  };
  const ConsistencyReport r = Run(ops, {}, 30000);
  ASSERT_EQ(r.visibility_lag_us.TotalCount(), 1);
  EXPECT_EQ(r.visibility_lag_us.Max(), 0);
  EXPECT_EQ(r.visibility_unseen, 0u);
  // A heartbeat re-asserting another time of the day is a sample.
  const std::vector<OpRecord> other = {
      Select("A", "09:00", 900, 1000),
      Poll("B", 2000, 2010, {}, "10:00", HoldStatus::kHeld),
      Poll("C", 3000, 3010, {"09:00"}),
  };
  const ConsistencyReport r2 = Run(other, {}, 30000);
  ASSERT_EQ(r2.visibility_lag_us.TotalCount(), 1);
  EXPECT_EQ(r2.visibility_lag_us.Max(), 2'000'000);
}

}  // namespace
}  // namespace slotsim
