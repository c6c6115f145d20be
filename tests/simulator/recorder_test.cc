// Recorder: latency filing (corrected vs raw, mode x phase), error classification, the failover
// timeline (phases, detect/recover, outage errors) and the time series.
#include "simulator/observe/recorder.h"

#include <gtest/gtest.h>

namespace slotsim {
namespace {

const Timestamp kStart = FromUnixMillis(1'800'000'000'000);

Timestamp At(int64_t ms) { return kStart + Millis(ms); }

ModeSwitch Switch(int64_t at_ms, StorageMode from, StorageMode to) {
  ModeSwitch sw;
  sw.at = At(at_ms);
  sw.from = from;
  sw.to = to;
  sw.cause = "test";
  return sw;
}

class RecorderTest : public ::testing::Test {
 protected:
  RecorderTest() : recorder_(RecorderOptions{kStart, Micros(1'000'000), 3}) {}

  // An op completing at `completed_ms`, sent `service_ms` earlier, due `delay_ms` before that.
  void Op(OpKind kind, int64_t completed_ms, StorageMode mode = StorageMode::kRedis,
          Outcome outcome = Outcome::kOk, Code code = Code::kOk, int64_t service_ms = 2,
          int64_t delay_ms = 0) {
    OpRecord op;
    op.op_id = ++next_id_;
    op.client_id = "c1";
    op.kind = kind;
    op.completed = At(completed_ms);
    op.invoked = op.completed - Millis(service_ms);
    op.intended = op.invoked - Millis(delay_ms);
    op.outcome = outcome;
    op.code = code;
    op.served_by = mode;
    recorder_.Record(op);
  }

  static const LatencyPair& Latency(const RunMetrics& m, OpKind kind, StorageMode mode,
                                    Phase phase) {
    return m.ops[static_cast<int>(kind)].latency[static_cast<int>(mode)][static_cast<int>(phase)];
  }

  Recorder recorder_;
  uint64_t next_id_ = 0;
};

// An operation the harness never sent is counted, but the time until it was refused is not a
// latency: no histogram and no interval p99 holds it.
TEST_F(RecorderTest, UnsentOperationsAreCountedButInNoLatencyHistogram) {
  OpRecord op;
  op.op_id = ++next_id_;
  op.client_id = "c1";
  op.kind = OpKind::kPoll;
  op.completed = At(1000);
  op.invoked = op.completed - Millis(900);
  op.intended = op.invoked;
  op.outcome = Outcome::kFail;
  op.code = Code::kUnavailable;
  op.answer = AnswerClass::kNotSent;
  op.served_by = StorageMode::kRedis;
  recorder_.Record(op);
  Op(OpKind::kPoll, 1100, StorageMode::kRedis, Outcome::kOk, Code::kOk, /*service_ms=*/5);
  const RunMetrics m = recorder_.Finish(At(2000));
  const OpMetrics& poll = m.ops[static_cast<int>(OpKind::kPoll)];
  EXPECT_EQ(poll.count, 2u);
  EXPECT_EQ(poll.not_sent, 1u);
  EXPECT_EQ(poll.errors, 1u);
  const LatencyPair& lat = Latency(m, OpKind::kPoll, StorageMode::kRedis, Phase::kSteady);
  EXPECT_EQ(lat.corrected.TotalCount(), 1);
  EXPECT_EQ(lat.corrected.Max(), 5'000);
  ASSERT_FALSE(m.timeseries.empty());
  const int64_t interval_p99 = m.timeseries[1].p99_us[static_cast<int>(OpKind::kPoll)];
  EXPECT_GE(interval_p99, 5'000);
  EXPECT_LT(interval_p99, 6'000);  // the refusal took 900 ms
}

TEST_F(RecorderTest, CorrectedLatencyStartsAtIntendedAndRawAtInvoked) {
  Op(OpKind::kPoll, 1000, StorageMode::kRedis, Outcome::kOk, Code::kOk, /*service_ms=*/30,
     /*delay_ms=*/100);
  const RunMetrics m = recorder_.Finish(At(2000));
  const LatencyPair& lat = Latency(m, OpKind::kPoll, StorageMode::kRedis, Phase::kSteady);
  EXPECT_EQ(lat.corrected.TotalCount(), 1);
  EXPECT_EQ(lat.corrected.Max(), 130'000);
  EXPECT_EQ(lat.raw.Max(), 30'000);
  EXPECT_EQ(m.ops[static_cast<int>(OpKind::kPoll)].count, 1u);
  EXPECT_EQ(m.records, 1u);
}

TEST_F(RecorderTest, LatencyIsFiledUnderTheModeThatServedIt) {
  Op(OpKind::kSelect, 100, StorageMode::kRedis);
  Op(OpKind::kSelect, 200, StorageMode::kMySql);
  Op(OpKind::kSelect, 300, StorageMode::kMySql);
  const RunMetrics m = recorder_.Finish(At(1000));
  EXPECT_EQ(Latency(m, OpKind::kSelect, StorageMode::kRedis, Phase::kSteady).corrected.TotalCount(),
            1);
  EXPECT_EQ(Latency(m, OpKind::kSelect, StorageMode::kMySql, Phase::kSteady).corrected.TotalCount(),
            2);
}

TEST_F(RecorderTest, DomainAnswersAreCodesButNotErrors) {
  Op(OpKind::kSelect, 10);
  Op(OpKind::kSelect, 20, StorageMode::kRedis, Outcome::kFail, Code::kSlotHeld);
  Op(OpKind::kSelect, 30, StorageMode::kRedis, Outcome::kFail, Code::kSlotBooked);
  Op(OpKind::kCancel, 40, StorageMode::kMySql, Outcome::kFail, Code::kNotFound);
  Op(OpKind::kConfirm, 50, StorageMode::kMySql, Outcome::kFail, Code::kSlotTaken);
  Op(OpKind::kDeselect, 60, StorageMode::kRedis, Outcome::kFail, Code::kNotHolder);
  Op(OpKind::kSelect, 70, StorageMode::kRedis, Outcome::kFail, Code::kInvalidArgument);
  Op(OpKind::kSelect, 80, StorageMode::kRedis, Outcome::kFail, Code::kUnavailable);
  Op(OpKind::kSelect, 90, StorageMode::kMySql, Outcome::kUnknown, Code::kTimeout);
  Op(OpKind::kSelect, 95, StorageMode::kMySql, Outcome::kFail, Code::kInternal);
  const RunMetrics m = recorder_.Finish(At(1000));
  const OpMetrics& select = m.ops[static_cast<int>(OpKind::kSelect)];
  EXPECT_EQ(select.count, 7u);
  EXPECT_EQ(select.errors, 3u);
  EXPECT_EQ(select.mode_errors[static_cast<int>(StorageMode::kRedis)], 1u);
  EXPECT_EQ(select.mode_errors[static_cast<int>(StorageMode::kMySql)], 2u);
  const std::map<std::string, uint64_t> want = {
      {"OK", 1},          {"SlotHeld", 1}, {"SlotBooked", 1}, {"InvalidArgument", 1},
      {"Unavailable", 1}, {"Timeout", 1},  {"Internal", 1}};
  EXPECT_EQ(select.codes, want);
  EXPECT_EQ(m.ops[static_cast<int>(OpKind::kCancel)].errors, 0u);
  EXPECT_EQ(m.ops[static_cast<int>(OpKind::kConfirm)].errors, 0u);
  EXPECT_EQ(m.ops[static_cast<int>(OpKind::kDeselect)].errors, 0u);
  EXPECT_TRUE(IsErrorOp(Outcome::kFail, Code::kUnimplemented));
  EXPECT_FALSE(IsErrorOp(Outcome::kOk, Code::kOk));
}

TEST_F(RecorderTest, PhasesRunFromFaultStartThroughRecoveryToSwitchBack) {
  Op(OpKind::kPoll, 9'000);
  recorder_.FaultStarted("redis_down", At(10'000));
  recorder_.ModeSwitched(Switch(10'200, StorageMode::kRedis, StorageMode::kMySql));
  Op(OpKind::kPoll, 10'000, StorageMode::kRedis);  // completes exactly at the fault start
  Op(OpKind::kPoll, 15'000, StorageMode::kMySql);
  recorder_.FaultEnded(At(20'000));
  EXPECT_EQ(recorder_.PhaseAt(At(19'999)), Phase::kOutage);
  EXPECT_EQ(recorder_.PhaseAt(At(20'000)), Phase::kRecovery);
  Op(OpKind::kPoll, 21'000, StorageMode::kMySql);
  recorder_.ModeSwitched(Switch(22'000, StorageMode::kMySql, StorageMode::kRedis));
  Op(OpKind::kPoll, 23'000, StorageMode::kRedis);
  EXPECT_EQ(recorder_.PhaseAt(At(9'999)), Phase::kSteady);
  EXPECT_EQ(recorder_.PhaseAt(At(21'999)), Phase::kRecovery);
  EXPECT_EQ(recorder_.PhaseAt(At(22'000)), Phase::kSteady);

  const RunMetrics m = recorder_.Finish(At(30'000));
  auto count = [&](StorageMode mode, Phase phase) {
    return Latency(m, OpKind::kPoll, mode, phase).corrected.TotalCount();
  };
  EXPECT_EQ(count(StorageMode::kRedis, Phase::kSteady), 2);
  EXPECT_EQ(count(StorageMode::kRedis, Phase::kOutage), 1);
  EXPECT_EQ(count(StorageMode::kMySql, Phase::kOutage), 1);
  EXPECT_EQ(count(StorageMode::kMySql, Phase::kRecovery), 1);
  EXPECT_EQ(count(StorageMode::kMySql, Phase::kSteady), 0);
  ASSERT_EQ(m.switches.size(), 2u);
  EXPECT_EQ(m.switches[1].to, StorageMode::kRedis);
}

TEST_F(RecorderTest, DetectRecoverAndOutageErrorsAreExact) {
  Op(OpKind::kPoll, 9'000, StorageMode::kRedis, Outcome::kFail, Code::kUnavailable);
  recorder_.FaultStarted("redis_down", At(10'000));
  Op(OpKind::kPoll, 10'050, StorageMode::kRedis);  // still on Redis: not a detection
  Op(OpKind::kPoll, 10'100, StorageMode::kRedis, Outcome::kUnknown, Code::kTimeout);
  recorder_.ModeSwitched(Switch(10'200, StorageMode::kRedis, StorageMode::kMySql));
  Op(OpKind::kPoll, 10'250, StorageMode::kMySql);
  Op(OpKind::kPoll, 10'300, StorageMode::kMySql);
  recorder_.FaultEnded(At(20'000));
  Op(OpKind::kSelect, 20'500, StorageMode::kMySql, Outcome::kFail, Code::kTimeout);
  recorder_.ModeSwitched(Switch(20'750, StorageMode::kMySql, StorageMode::kRedis));
  Op(OpKind::kSelect, 21'000, StorageMode::kRedis, Outcome::kFail, Code::kUnavailable);

  const RunMetrics m = recorder_.Finish(At(30'000));
  ASSERT_EQ(m.outages.size(), 1u);
  const OutageMetrics& o = m.outages[0];
  EXPECT_EQ(o.kind, "redis_down");
  EXPECT_EQ(o.start, Micros(10'000'000));
  EXPECT_EQ(o.end, Micros(20'000'000));
  EXPECT_EQ(o.detect_ms, std::optional<int64_t>(250));
  EXPECT_EQ(o.recover_ms, std::optional<int64_t>(750));
  EXPECT_EQ(o.errors, 2u);  // the timeout in the outage and the one in recovery
}

TEST_F(RecorderTest, FaultTheEngineNeverNoticedIsSteadyAtOnceWithNoDetectOrRecover) {
  recorder_.FaultStarted("mysql_slow", At(1'000));
  Op(OpKind::kConfirm, 1'500, StorageMode::kRedis);
  recorder_.FaultEnded(At(2'000));
  EXPECT_EQ(recorder_.PhaseAt(At(2'000)), Phase::kSteady);
  Op(OpKind::kConfirm, 2'500, StorageMode::kMySql);  // after the window: not a detection
  const RunMetrics m = recorder_.Finish(At(3'000));
  ASSERT_EQ(m.outages.size(), 1u);
  EXPECT_FALSE(m.outages[0].detect_ms.has_value());
  EXPECT_FALSE(m.outages[0].recover_ms.has_value());
  EXPECT_EQ(
      Latency(m, OpKind::kConfirm, StorageMode::kRedis, Phase::kOutage).corrected.TotalCount(), 1);
  EXPECT_EQ(
      Latency(m, OpKind::kConfirm, StorageMode::kMySql, Phase::kSteady).corrected.TotalCount(), 1);
}

TEST_F(RecorderTest, SwitchBackDuringTheFaultClampsRecoverToZero) {
  recorder_.FaultStarted("redis_flap", At(1'000));
  recorder_.ModeSwitched(Switch(1'100, StorageMode::kRedis, StorageMode::kMySql));
  Op(OpKind::kPoll, 1'150, StorageMode::kMySql);
  recorder_.ModeSwitched(Switch(1'800, StorageMode::kMySql, StorageMode::kRedis));
  recorder_.FaultEnded(At(2'000));
  EXPECT_EQ(recorder_.PhaseAt(At(2'001)), Phase::kSteady);
  const RunMetrics m = recorder_.Finish(At(3'000));
  ASSERT_EQ(m.outages.size(), 1u);
  EXPECT_EQ(m.outages[0].detect_ms, std::optional<int64_t>(150));
  EXPECT_EQ(m.outages[0].recover_ms, std::optional<int64_t>(0));
}

TEST_F(RecorderTest, FinishClosesAnOpenFaultAndLeavesRecoverAbsent) {
  recorder_.FaultStarted("redis_down", At(1'000));
  recorder_.ModeSwitched(Switch(1'050, StorageMode::kRedis, StorageMode::kMySql));
  Op(OpKind::kPoll, 2'000, StorageMode::kMySql, Outcome::kFail, Code::kUnavailable);
  const RunMetrics m = recorder_.Finish(At(5'000));
  ASSERT_EQ(m.outages.size(), 1u);
  EXPECT_EQ(m.outages[0].end, Micros(5'000'000));
  EXPECT_EQ(m.outages[0].detect_ms, std::optional<int64_t>(1'000));
  EXPECT_FALSE(m.outages[0].recover_ms.has_value());
  EXPECT_EQ(m.outages[0].errors, 1u);
  EXPECT_EQ(m.duration, Micros(5'000'000));
}

TEST_F(RecorderTest, TimeSeriesHasARowForEveryIntervalIncludingEmptyOnes) {
  recorder_.ClientsChanged(3, 3);
  Op(OpKind::kPoll, 100, StorageMode::kRedis, Outcome::kOk, Code::kOk, 4);
  Op(OpKind::kPoll, 900, StorageMode::kRedis, Outcome::kOk, Code::kOk, 8);
  Op(OpKind::kSelect, 950, StorageMode::kRedis, Outcome::kFail, Code::kTimeout);
  recorder_.ClientsChanged(5, 7);
  Op(OpKind::kPoll, 3'200, StorageMode::kMySql, Outcome::kOk, Code::kOk, 20);
  recorder_.ClientsChanged(2, 7);
  const RunMetrics m = recorder_.Finish(At(5'000));

  ASSERT_EQ(m.timeseries.size(), 5u);
  const int poll = static_cast<int>(OpKind::kPoll);
  const int select = static_cast<int>(OpKind::kSelect);
  for (size_t i = 0; i < m.timeseries.size(); ++i) {
    EXPECT_EQ(m.timeseries[i].start, Micros(1'000'000) * static_cast<int64_t>(i));
  }
  EXPECT_EQ(m.timeseries[0].ops[poll], 2u);
  EXPECT_EQ(m.timeseries[0].ops[select], 1u);
  EXPECT_EQ(m.timeseries[0].errors[select], 1u);
  EXPECT_EQ(m.timeseries[0].errors[poll], 0u);
  EXPECT_EQ(m.timeseries[0].p99_us[poll], 8'000);
  EXPECT_EQ(m.timeseries[0].live_clients, 3u);
  for (size_t i : {1u, 2u, 4u}) {
    EXPECT_EQ(m.timeseries[i].ops[poll], 0u) << i;
    EXPECT_EQ(m.timeseries[i].p99_us[poll], 0) << i;
  }
  EXPECT_EQ(m.timeseries[3].ops[poll], 1u);
  EXPECT_EQ(m.timeseries[3].p99_us[poll], 20'000);  // the interval histogram was reset
  EXPECT_EQ(m.timeseries[3].live_clients, 5u);
  EXPECT_EQ(m.timeseries[3].mode, StorageMode::kMySql);
  EXPECT_EQ(m.timeseries[4].mode, StorageMode::kMySql);
  EXPECT_EQ(m.clients_peak, 5u);
  EXPECT_EQ(m.clients_total, 7u);
}

TEST_F(RecorderTest, PhaseNamesRoundTrip) {
  for (Phase p : {Phase::kSteady, Phase::kOutage, Phase::kRecovery}) {
    EXPECT_EQ(PhaseFromName(PhaseName(p)), p);
  }
  EXPECT_FALSE(PhaseFromName("storm").has_value());
}

}  // namespace
}  // namespace slotsim
