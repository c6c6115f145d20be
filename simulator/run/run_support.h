// What the run pipeline and its drivers share: the history sinks every run tees into, the client
// behaviour a scenario implies, the checker's failover windows, and the harness's own resources.
// Internal to simulator/run/.
#pragma once

#include <vector>

#include "simulator/observe/checker.h"
#include "simulator/observe/history.h"
#include "simulator/observe/recorder.h"
#include "simulator/run/run.h"
#include "simulator/scenario/scenario.h"
#include "simulator/workload/client.h"

namespace slotsim {

// Sends each record to every sink, in order.
class TeeSink final : public HistorySink {
 public:
  void Add(HistorySink* sink) { sinks_.push_back(sink); }
  void Record(const OpRecord& op) override {
    for (HistorySink* s : sinks_) s->Record(op);
  }

 private:
  std::vector<HistorySink*> sinks_;
};

// Counts what the progress line shows.
class ProgressSink final : public HistorySink {
 public:
  void Record(const OpRecord& op) override {
    ++ops;
    if (IsErrorOp(op.outcome, op.code)) ++errors;  // the recorder's rule, so both agree
    mode = op.served_by;
  }
  uint64_t ops = 0, errors = 0;
  StorageMode mode = StorageMode::kRedis;
};

double PeakRssMb();
// User + system CPU seconds this process has used so far.
double CpuSeconds();

// The clients' behaviour for a run starting at `start` (dates are the days after it); a shard's
// client ids start with "s<index>".
ClientBehavior BehaviorFrom(const Scenario& s, Timestamp start, const RunOptions& options);

// The run's root of randomness: the seed's, or for shard I a stream forked from it, so shards
// of one seed make different (and reproducible) choices.
Random RootRandom(const Scenario& s, const RunOptions& options);

// The slice of `s` one shard runs: every load stage's level divided by options.shard_count (a
// closed model's whole clients shared out, the remainder to the first shards); the rest as is.
Scenario ShardScenario(const Scenario& s, const RunOptions& options);

// The failover windows the checker files conflicts under: each outage from its start until
// the engine is back on Redis, and each of the engine's own switches to MySQL until it switched
// back, plus one heartbeat for re-asserted holds to settle.
std::vector<FailoverWindow> FailoverWindows(const RunMetrics& m, Timestamp start, Micros heartbeat);

RunInfo RunInfoOf(double wall_s, uint64_t events, uint64_t peak_live);

// The run as if it ended at `now` (it started at `start`): scenario, target, the recorder's
// copy finished at `now` and the checker's report so far. The originals go on unchanged.
RunResult LiveResult(const Scenario& scenario, const std::string& target, Timestamp now,
                     const Recorder& recorder, const Checker& checker);

// The scenario's abort_on_fail thresholds during a run: Check() builds a live result from
// copies of the recorder's and the checker's state and asks options.abort_check. Runs on the
// thread that owns the recorder and the checker.
class AbortWatch {
 public:
  AbortWatch(const Scenario& scenario, const RunOptions& options, std::string target);

  // True when the scenario has an abort_on_fail threshold and the run has a check for it.
  bool enabled() const { return enabled_; }
  // Judges the run at `now` (it started at `start`). Returns true once the run must stop;
  // after that reason() and at() say why and when.
  bool Check(Timestamp start, Timestamp now, const Recorder& recorder, const Checker& checker);
  bool aborted() const { return !reason_.empty(); }
  const std::string& reason() const { return reason_; }
  Micros at() const { return at_; }  // since the start

 private:
  const Scenario& scenario_;
  const RunOptions& options_;
  std::string target_;
  bool enabled_ = false;
  std::string reason_;
  Micros at_{0};
};

}  // namespace slotsim
