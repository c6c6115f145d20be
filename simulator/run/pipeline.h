// RunPipeline: what every run assembles, once, whatever drives its time. It owns the recorder,
// the checker, the sinks they are fed through (progress, per-client fairness, history.jsonl),
// the client pool and the load driver, arms the end of the run and the abort_on_fail checks on
// the run's clock, and turns what was measured into a RunResult.
//
// The drivers provide only the loop and the target (FoundationDB's one INetwork for sim and
// real is the model): simulator/run/sim_run.cc runs a SimClock event by event on the calling
// thread; simulator/run/realtime_run.cc runs a RealtimeLoop on its own thread against real
// servers. Each calls ObserveLive() and Housekeep() at its own cadence and stops when Done().
//
// Not thread-safe: after Wire(), every call but Finish() runs on the thread of the clock's
// events (the loop thread); Finish() runs once the loop has stopped.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "engine/store.h"
#include "simulator/observe/checker.h"
#include "simulator/observe/fairness.h"
#include "simulator/observe/history_io.h"
#include "simulator/observe/recorder.h"
#include "simulator/run/run.h"
#include "simulator/run/run_support.h"
#include "simulator/scenario/scenario.h"
#include "simulator/workload/client.h"
#include "simulator/workload/load.h"
#include "simulator/workload/target.h"

namespace slotsim {

// The settings on which the sim and real-time runs differ. Each driver states its own values
// and why (sim_run.cc, realtime_run.cc); docs/architecture.md lists them side by side.
struct PipelineOptions {
  std::string target;                              // RunResult::target: "sim" | "local" | "http"
  Timestamp start;                                 // the run's start, on the clock passed to Wire()
  StorageMode initial_mode = StorageMode::kRedis;  // the engine's mode at `start`
  // How often abort_on_fail thresholds are judged, in run time (an event on the run's clock).
  Micros abort_check_interval{1'000'000};
  // After the scenario's end, how long in-flight answers may still drain before the loop stops
  // regardless (a hung call must not hold the run forever).
  Micros drain_limit{120'000'000};
  // Wall time between two progress lines, and between two RunOptions::live calls.
  Micros progress_interval{1'000'000};
  // Per-client poll rates (RunResult::fairness). Real-time targets only: on sim every client
  // polls on time by construction.
  bool fairness = false;
};

class RunPipeline {
 public:
  using FinalBookingsFn = std::function<StatusOr<FinalState>()>;

  // `scenario` and `options` must outlive the pipeline; options.wall_clock must be set.
  RunPipeline(const Scenario& scenario, const RunOptions& options, PipelineOptions pipeline);
  RunPipeline(const RunPipeline&) = delete;
  RunPipeline& operator=(const RunPipeline&) = delete;

  // Opens history.jsonl when the run writes one. Call before Wire().
  Status OpenHistory();
  // Builds the client pool and the load driver: clients on `target`, arrivals on `clock` (the
  // one whose events the driver runs), random streams forked from `root` (2: clients, 3: load).
  // `target` and `clock` must outlive the pipeline.
  void Wire(Clock& clock, Target& target, const Random& root);
  // Arms the load driver's first tick at the start.
  void StartLoad();
  // Arms the end of the run (every client stops) and the abort_on_fail checks. Call after
  // StartLoad() and after scheduling anything that must run before them at the same instant.
  void ArmEnd();

  // Notes the number of live clients for the peak: after every event or tick.
  void ObserveLive() {
    if (pool_->live() > peak_live_) peak_live_ = pool_->live();
  }
  // The periodic work: live clients into the time series, and a progress line and a live view
  // (RunOptions::live) when one is due.
  void Housekeep(Timestamp now);
  // True once every client was told to stop (the end, or an abort) and no answer is in flight,
  // or the drain limit has passed.
  bool Done(Timestamp now) const {
    return (stopped_ && pool_->in_flight() == 0) || now > drain_limit_;
  }
  // Stops every client now (the driver's own reasons: a signal, a failed fault step).
  void StopClients();

  Recorder& recorder() { return *recorder_; }
  ClientPool& pool() { return *pool_; }
  // Destroys the clients (the loop must be over and hold no event of theirs): the sim frees
  // their memory before the final phase so that phase does not set the peak RSS.
  void ReleaseClients() { pool_.reset(); }

  uint64_t peak_live() const { return peak_live_; }
  uint64_t ops() const { return progress_.ops; }
  Timestamp end() const { return end_; }

  // After the loop: the measurements, the checker's verdict over `final_bookings()` (the
  // checker's truth, read once), and history.jsonl closed. RunResult::run is the driver's to
  // fill.
  StatusOr<RunResult> Finish(const FinalBookingsFn& final_bookings);

 private:
  void CheckAbort();
  void PublishLive(Timestamp now, Timestamp wall_now);
  void Note(const std::string& line) const {
    if (options_.note) options_.note(line);
  }

  const Scenario& sc_;
  const RunOptions& options_;
  const PipelineOptions po_;
  Clock& wall_;
  const Timestamp end_, drain_limit_;
  CheckerOptions checker_options_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<Checker> checker_;
  ProgressSink progress_;
  std::optional<FairnessSink> fairness_;
  std::unique_ptr<JsonlHistoryWriter> history_;
  TeeSink tee_;
  Random client_random_{0}, load_random_{0};
  Clock* clock_ = nullptr;
  std::unique_ptr<ClientPool> pool_;
  std::unique_ptr<LoadDriver> load_;
  AbortWatch watch_;
  std::function<void()> abort_check_;

  bool stopped_ = false;
  uint64_t peak_live_ = 0;
  Timestamp last_progress_wall_, last_progress_, last_live_wall_;
  uint64_t last_ops_ = 0;
};

}  // namespace slotsim
