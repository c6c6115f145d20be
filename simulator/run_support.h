// What the sim and local runs share: the history sinks every run tees into, the client
// behaviour a scenario implies, the checker's failover windows, and the harness's own resources.
// Internal to run.cc and local_run.cc.
#pragma once

#include <vector>

#include "simulator/checker.h"
#include "simulator/client.h"
#include "simulator/history.h"
#include "simulator/recorder.h"
#include "simulator/run.h"
#include "simulator/scenario.h"

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

// The clients' behaviour for a run starting at `start` (dates are the days after it).
ClientBehavior BehaviorFrom(const Scenario& s, Timestamp start);

// The failover windows the checker files conflicts under: each outage from its start until
// the engine is back on Redis, and each of the engine's own switches to MySQL until it switched
// back, plus one heartbeat for re-asserted holds to settle.
std::vector<FailoverWindow> FailoverWindows(const RunMetrics& m, Timestamp start, Micros heartbeat);

RunInfo RunInfoOf(double wall_s, uint64_t events, uint64_t peak_live);

}  // namespace slotsim
