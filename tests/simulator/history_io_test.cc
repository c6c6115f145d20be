// history.jsonl: round trips of records and special lines, errors with line numbers, and the
// offline check giving the online checker's figures.
#include "simulator/observe/history_io.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace slotsim {
namespace {

class CollectingSink : public HistorySink {
 public:
  void Record(const OpRecord& op) override { ops.push_back(op); }
  std::vector<OpRecord> ops;
};

class TeeSink : public HistorySink {
 public:
  TeeSink(HistorySink& a, HistorySink& b) : a_(a), b_(b) {}
  void Record(const OpRecord& op) override {
    a_.Record(op);
    b_.Record(op);
  }

 private:
  HistorySink& a_;
  HistorySink& b_;
};

void ExpectSameRecord(const OpRecord& want, const OpRecord& got) {
  EXPECT_EQ(want.op_id, got.op_id);
  EXPECT_EQ(want.client_id, got.client_id);
  EXPECT_EQ(want.kind, got.kind);
  EXPECT_EQ(want.slot, got.slot);
  EXPECT_EQ(want.booking_id, got.booking_id);
  EXPECT_EQ(want.idempotency_key, got.idempotency_key);
  EXPECT_EQ(want.intended, got.intended);
  EXPECT_EQ(want.invoked, got.invoked);
  EXPECT_EQ(want.completed, got.completed);
  EXPECT_EQ(want.outcome, got.outcome);
  EXPECT_EQ(want.code, got.code);
  EXPECT_EQ(want.served_by, got.served_by);
  EXPECT_EQ(want.hold_expires, got.hold_expires);
  EXPECT_EQ(want.own, got.own);
  EXPECT_EQ(want.others_held, got.others_held);
  EXPECT_EQ(want.booked, got.booked);
}

class HistoryIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "history_io_test_" + info->name() + ".jsonl";
  }
  void TearDown() override { std::remove(path_.c_str()); }

  static Timestamp At(int64_t ms) { return SimClock::DefaultStart() + Millis(ms); }

  void WriteLines(const std::vector<std::string>& lines) {
    std::ofstream out(path_);
    for (const std::string& l : lines) out << l << "\n";
  }

  static OpRecord Op(uint64_t id, OpKind kind, const std::string& client, const std::string& time,
                     int64_t inv_ms, int64_t comp_ms) {
    OpRecord op;
    op.op_id = id;
    op.client_id = client;
    op.kind = kind;
    op.slot = {2, "2026-12-01", time};
    op.intended = At(inv_ms) - Micros(7);
    op.invoked = At(inv_ms);
    op.completed = At(comp_ms) + Micros(3);
    op.served_by = StorageMode::kRedis;
    return op;
  }

  // One record of each kind, with every optional field used somewhere.
  static std::vector<OpRecord> VariedRecords() {
    std::vector<OpRecord> ops;
    OpRecord select = Op(1, OpKind::kSelect, "c\"1\\\n\t\x01 é", "09:00", 0, 1);
    select.hold_expires = At(300001);
    ops.push_back(select);
    OpRecord poll = Op(2, OpKind::kPoll, "c2", "09:30", 5, 6);
    poll.own = HoldStatus::kLost;
    poll.others_held = {"09:30", "10:00"};
    poll.booked = {"11:00"};
    poll.served_by = StorageMode::kMySql;
    ops.push_back(poll);
    ops.push_back(Op(3, OpKind::kPoll, "c3", "", 7, 8));  // no selected time, empty lists
    OpRecord confirm = Op(4, OpKind::kConfirm, "c1", "09:00", 10, 12);
    confirm.idempotency_key = "k-1";
    confirm.booking_id = "APT-2026-000001";
    ops.push_back(confirm);
    OpRecord unknown = Op(5, OpKind::kConfirm, "c4", "10:00", 10, 12);
    unknown.idempotency_key = "k-4";
    unknown.outcome = Outcome::kUnknown;
    unknown.code = Code::kTimeout;
    ops.push_back(unknown);
    OpRecord res = Op(6, OpKind::kReschedule, "c1", "10:30", 20, 21);
    res.booking_id = "APT-2026-000001";
    res.outcome = Outcome::kFail;
    res.code = Code::kSlotTaken;
    ops.push_back(res);
    OpRecord cancel = Op(UINT64_MAX, OpKind::kCancel, "c1", "09:00", 30, 31);
    cancel.booking_id = "APT-2026-000001";
    cancel.served_by = StorageMode::kMemory;
    ops.push_back(cancel);
    ops.push_back(Op(8, OpKind::kDeselect, "c2", "09:30", 40, 41));
    OpRecord avail = Op(9, OpKind::kAvailability, "", "", 50, 51);
    avail.others_held = {"12:00"};
    ops.push_back(avail);
    return ops;
  }

  std::string path_;
};

TEST_F(HistoryIoTest, RoundTripReproducesEveryField) {
  const std::vector<OpRecord> ops = VariedRecords();
  JsonlHistoryWriter writer;
  ASSERT_TRUE(writer.Open(path_).ok());
  for (const OpRecord& op : ops) writer.Record(op);
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_EQ(writer.lines(), ops.size());

  CollectingSink sink;
  HistoryExtras extras;
  const Status st = ReadHistory(path_, sink, &extras);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(sink.ops.size(), ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectSameRecord(ops[i], sink.ops[i]);
  }
  EXPECT_FALSE(extras.has_final_bookings);
  EXPECT_FALSE(extras.checker_options.has_value());
  EXPECT_TRUE(extras.failover_windows.empty());
}

TEST_F(HistoryIoTest, SpecialLinesRoundTrip) {
  CheckerOptions options;
  options.hold_ttl = Millis(120000);
  options.max_op_duration = Millis(2500);
  options.max_conflict_intervals = 17;
  options.max_double_candidates = 5;
  Booking active{"APT-2026-000001",      "c1",  {2, "2026-12-01", "09:00"}, "k-1",
                 BookingStatus::kActive, At(12)};
  Booking cancelled{"x\"y", "c2", {3, "2026-12-02", "10:00"}, "", BookingStatus::kCancelled,
                    At(13)};
  JsonlHistoryWriter writer;
  ASSERT_TRUE(writer.Open(path_).ok());
  writer.WriteCheckerOptions(options);
  writer.WriteFailoverWindow({At(1000), At(2000)});
  writer.Record(VariedRecords()[0]);
  writer.WriteFailoverWindow({At(5000), At(9000)});
  writer.WriteFinalBookings({active, cancelled}, At(10000));
  ASSERT_TRUE(writer.Close().ok());

  CollectingSink sink;
  HistoryExtras extras;
  ASSERT_TRUE(ReadHistory(path_, sink, &extras).ok());
  EXPECT_EQ(sink.ops.size(), 1u);
  ASSERT_TRUE(extras.checker_options.has_value());
  EXPECT_EQ(extras.checker_options->hold_ttl, Millis(120000));
  EXPECT_EQ(extras.checker_options->max_op_duration, Millis(2500));
  EXPECT_EQ(extras.checker_options->max_conflict_intervals, 17u);
  EXPECT_EQ(extras.checker_options->max_double_candidates, 5u);
  const std::vector<FailoverWindow> windows = {{At(1000), At(2000)}, {At(5000), At(9000)}};
  EXPECT_EQ(extras.failover_windows, windows);
  ASSERT_TRUE(extras.has_final_bookings);
  EXPECT_EQ(extras.end, At(10000));
  ASSERT_EQ(extras.final_bookings.size(), 2u);
  EXPECT_EQ(extras.final_bookings[0], active);
  EXPECT_EQ(extras.final_bookings[1], cancelled);
}

TEST_F(HistoryIoTest, MalformedLineIsReportedWithFileAndLine) {
  const std::string good =
      R"({"op_id":1,"client_id":"c","kind":"poll","employee_id":1,"date":"2026-12-01",)"
      R"("invoked":1,"completed":2,"outcome":"ok"})";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"op_id\":1,", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"op_id":1,"kind":"poll","employee_id":1,"date":"d","invoked":1,"completed":2,)"
       R"("outcome":"ok"})",
       "\"client_id\": missing"},
      {R"({"op_id":1,"client_id":"c","kind":"hover","employee_id":1,"date":"d","invoked":1,)"
       R"("completed":2,"outcome":"ok"})",
       "\"kind\": unknown value \"hover\""},
      {R"({"op_id":1,"client_id":"c","kind":"poll","employee_id":1,"date":"d","invoked":"1",)"
       R"("completed":2,"outcome":"ok"})",
       "\"invoked\": expected an integer"},
      {R"({"op_id":1,"client_id":"c","kind":"poll","employee_id":1,"date":"d","invoked":1,)"
       R"("completed":2,"outcome":"ok","others_held":[1]})",
       "\"others_held\": expected a list of strings"},
      {R"({"type":"meteor"})", "unknown line type \"meteor\""},
      {R"({"type":"final_bookings","end":1,"bookings":[{"id":"b"}]})", "\"employee_id\": missing"},
  };
  for (const auto& [line, what] : bad) {
    SCOPED_TRACE(line);
    WriteLines({good, "", line, good});
    CollectingSink sink;
    const Status st = ReadHistory(path_, sink);
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_EQ(st.message(), path_ + ":3: " + what);
    EXPECT_EQ(sink.ops.size(), 1u);  // the lines before it were delivered
  }
}

TEST_F(HistoryIoTest, MissingFileIsNotFound) {
  CollectingSink sink;
  EXPECT_EQ(ReadHistory(path_ + ".absent", sink).code(), Code::kNotFound);
}

TEST_F(HistoryIoTest, WriterRefusesASecondOpenAndUnwritablePaths) {
  JsonlHistoryWriter writer;
  EXPECT_FALSE(writer.Open("/nonexistent-dir/h.jsonl").ok());
  ASSERT_TRUE(writer.Open(path_).ok());
  EXPECT_EQ(writer.Open(path_).code(), Code::kInvalidArgument);
  EXPECT_TRUE(writer.Close().ok());
  EXPECT_TRUE(writer.Close().ok());
}

TEST_F(HistoryIoTest, OfflineCheckEqualsOnlineCheck) {
  CheckerOptions options;
  options.max_op_duration = Millis(2000);
  options.max_conflict_intervals = 0;  // classification depends on when the window was declared
  Checker online(options);
  JsonlHistoryWriter writer;
  ASSERT_TRUE(writer.Open(path_).ok());
  writer.WriteCheckerOptions(options);
  TeeSink tee(online, writer);

  // A double booking, a lost booking, a hold conflict with a lost hold, visibility samples.
  OpRecord a = Op(1, OpKind::kSelect, "A", "09:00", 0, 1000);
  a.hold_expires = At(301000);
  tee.Record(a);
  OpRecord seen = Op(2, OpKind::kPoll, "C", "", 2000, 2010);
  seen.others_held = {"09:00"};
  tee.Record(seen);
  tee.Record(Op(3, OpKind::kSelect, "B", "09:00", 4900, 5000));
  // A is still told it holds 09:00 after B got it (two holders), then that it lost it.
  OpRecord held = Op(4, OpKind::kPoll, "A", "09:00", 6400, 6450);
  held.own = HoldStatus::kHeld;
  held.hold_expires = At(306000);
  tee.Record(held);
  OpRecord lost = Op(5, OpKind::kPoll, "A", "09:00", 7000, 7100);
  lost.own = HoldStatus::kLost;
  lost.others_held = {"09:00"};  // a re-assert of 09:00: no sample of B's hold
  tee.Record(lost);
  OpRecord sees_b = Op(6, OpKind::kPoll, "C", "", 8000, 8010);
  sees_b.others_held = {"09:00"};
  tee.Record(sees_b);
  for (int i = 0; i < 3; ++i) {
    OpRecord c = Op(10 + i, OpKind::kConfirm, "D" + std::to_string(i), "11:00", 9000 + i * 100,
                    9050 + i * 100);
    c.idempotency_key = "k" + std::to_string(i);
    c.booking_id = "APT-2026-00000" + std::to_string(i);
    tee.Record(c);
  }
  // Declared mid-run, before the conflict settles (B's belief ends at 20 s).
  const FailoverWindow window{At(4000), At(5500)};
  online.AddFailoverWindow(window.start, window.end);
  writer.WriteFailoverWindow(window);
  tee.Record(Op(20, OpKind::kDeselect, "B", "09:00", 20000, 20010));
  const std::vector<Booking> final_state = {
      {"APT-2026-000000", "D0", {2, "2026-12-01", "11:00"}, "k0", BookingStatus::kActive, At(9050)},
      {"APT-2026-000001", "D1", {2, "2026-12-01", "11:00"}, "k1", BookingStatus::kActive, At(9150)},
      {"ghost", "Z", {2, "2026-12-01", "12:00"}, "kz", BookingStatus::kActive, At(9999)},
  };
  online.Finish(final_state, At(40000));
  writer.WriteFinalBookings(final_state, At(40000));
  ASSERT_TRUE(writer.Close().ok());

  const ConsistencyReport want = online.report();
  EXPECT_EQ(want.double_bookings, 1u);
  EXPECT_EQ(want.lost_bookings, 1u);
  EXPECT_EQ(want.phantom_bookings, 1u);
  EXPECT_EQ(want.hold_conflicts, 1u);
  EXPECT_EQ(want.hold_conflicts_outside_failover, 0u);
  EXPECT_EQ(want.lost_holds, 1u);
  EXPECT_EQ(want.visibility_lag_us.TotalCount(), 2);

  // Defaults that differ from the file's options: the file's must win.
  StatusOr<ConsistencyReport> got = CheckHistoryFile(path_, CheckerOptions{Millis(1), Millis(1)});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, want);
}

TEST_F(HistoryIoTest, OfflineCheckReachesTheRunsMeasurementFromTheReadBackKind) {
  // A run whose final state was read by id: one acknowledged booking, absent at the end (a lost
  // booking, measured), and the phantoms not measured, online and offline alike.
  Checker online;
  JsonlHistoryWriter writer;
  ASSERT_TRUE(writer.Open(path_).ok());
  OpRecord c = Op(1, OpKind::kConfirm, "D", "11:00", 1000, 1050);
  c.idempotency_key = "k1";
  c.booking_id = "APT-2026-000001";
  online.Record(c);
  writer.Record(c);
  OpRecord failed = Op(2, OpKind::kConfirm, "E", "12:00", 1000, 1060);
  failed.outcome = Outcome::kFail;
  failed.answer = AnswerClass::kServerError;
  failed.code = Code::kUnavailable;
  online.Record(failed);
  writer.Record(failed);
  const FinalState state{{}, ReadBack::kById, "read back by id"};
  online.Finish(state.bookings, At(5000), state.read_back, state.reason);
  writer.WriteFinalBookings(state.bookings, At(5000), state.read_back, state.reason);
  ASSERT_TRUE(writer.Close().ok());
  const ConsistencyReport want = online.report();
  EXPECT_EQ(want.lost_bookings, 1u);
  EXPECT_EQ(want.read_back, ReadBack::kById);
  EXPECT_EQ(want.measurement.lost_bookings.status, MeasureStatus::kMeasured);
  EXPECT_EQ(want.measurement.phantom_bookings.status, MeasureStatus::kNotMeasured);
  EXPECT_EQ(want.measurement.double_bookings.status, MeasureStatus::kPartial);
  StatusOr<ConsistencyReport> got = CheckHistoryFile(path_, {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, want);
  // The answer class survives the file.
  CollectingSink sink;
  ASSERT_TRUE(ReadHistory(path_, sink, nullptr).ok());
  ASSERT_EQ(sink.ops.size(), 2u);
  EXPECT_EQ(sink.ops[0].answer, AnswerClass::kOk);
  EXPECT_EQ(sink.ops[1].answer, AnswerClass::kServerError);
}

TEST_F(HistoryIoTest, AFileWithoutAReadBackKindWasReadCompletely) {
  JsonlHistoryWriter writer;
  ASSERT_TRUE(writer.Open(path_).ok());
  writer.Record(VariedRecords()[0]);
  writer.WriteFinalBookings({}, At(5000));
  ASSERT_TRUE(writer.Close().ok());
  StatusOr<ConsistencyReport> got = CheckHistoryFile(path_, {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->read_back, ReadBack::kComplete);
  EXPECT_EQ(got->measurement, ConsistencyMeasurement{});
}

TEST_F(HistoryIoTest, OfflineCheckNeedsTheFinalState) {
  JsonlHistoryWriter writer;
  ASSERT_TRUE(writer.Open(path_).ok());
  writer.Record(VariedRecords()[0]);
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_EQ(CheckHistoryFile(path_, {}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace slotsim
