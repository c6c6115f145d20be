// RunScenario: one run of a scenario on a target, end to end — clients, faults, recording and
// checking — returning everything summary.json is made of.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/histogram.h"
#include "common/status.h"
#include "engine/store.h"
#include "simulator/observe/checker.h"
#include "simulator/observe/fairness.h"
#include "simulator/observe/recorder.h"
#include "simulator/observe/send_delays.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {

// Wraps a store in a decorator that forwards to it (RunOptions::store_decorator).
using StoreDecorator = std::function<std::unique_ptr<Store>(Store& inner)>;

// Resources and throughput of the harness itself (summary.json "run").
struct RunInfo {
  double wall_s = 0;
  uint64_t events = 0;      // simulated client events (operations sent and answered)
  double events_per_s = 0;  // per wall second
  double peak_rss_mb = 0;
  double bytes_per_client = 0;  // peak RSS over peak live clients
  // Real-time targets (local, http) only; zero / empty on sim.
  double cpu_s = 0;  // CPU (user + system) the harness process used during the run
  // Why operations started later than their clients' schedules, in three parts that each blame
  // one party (simulator/observe/send_delays.h): the harness's own scheduler lateness, the wait
  // for a free worker / connection, and the client's own previous request still in flight.
  SendDelays send;
};

struct RunResult {
  Scenario scenario;
  std::string target;  // "sim" | "local" | "http"
  std::string git_commit;
  RunMetrics metrics;
  ConsistencyReport consistency;
  RunInfo run;
  uint64_t rejected_arrivals = 0;  // clients refused at load.max_clients
  uint64_t adversaries = 0;        // arrivals that were adversaries ([adversaries] share)
  // Per-client poll rates (simulator/fairness.h); real-time targets only, empty on sim.
  FairnessReport fairness;
  // Why an abort_on_fail threshold stopped the run early, and when (since the start); "" when
  // the run went its full duration.
  std::string aborted;
  Micros aborted_at{0};
  int shard_index = 0;  // RunOptions' shard
  int shard_count = 1;
};

// A live view for the progress line.
struct Progress {
  Micros elapsed{0};  // of the scenario's (virtual or wall) time
  Micros duration{0};
  uint64_t live_clients = 0;
  double ops_per_s = 0;  // over the last progress interval, scenario time
  uint64_t errors = 0;
  StorageMode mode = StorageMode::kRedis;
};

struct RunOptions {
  std::string history_path;                       // write history.jsonl here when non-empty
  std::function<void(const Progress&)> progress;  // called about once per wall second
  std::function<void(const std::string&)> note;   // one-line news (servers started, ...)
  Clock* wall_clock = nullptr;                    // for wall time and progress; required
  // local: keep the managed servers' temp dirs (data, logs) after the run, for a post-mortem.
  bool keep_servers = false;
  // local: where the managed servers' temp dirs go; "" = $TMPDIR, or /tmp.
  std::string server_dir;
  // --shard I/N: run the I-th of N disjoint slices of the clients (0-based I): every load
  // level divided by N, client ids prefixed "s<I>", random streams of their own, the same
  // faults. `slotsim report merge` joins the N summaries exactly.
  int shard_index = 0;
  int shard_count = 1;
  // http with spawn = true: the slotsim binary to launch `slotsim serve` from (slotsim run
  // sets its own /proc/self/exe; tests set SLOTSIM_BINARY).
  std::string self_binary;
  // Judges the scenario's abort_on_fail thresholds on a live result (measurements so far, as if
  // the run ended now; `elapsed` of run time): returns why the run must stop, or "" to go on.
  // Called about once per second of run time when the scenario has such thresholds; null: they
  // are judged only at the end. reports/abort_check.h MakeAbortCheck() builds the usual one.
  std::function<std::string(const RunResult& live, Micros elapsed)> abort_check;
  // sim and local only (tests): wraps the store the engine calls (the failover store over both
  // models, or over the real servers) in a decorator, e.g. one that plants anomalies
  // (engine/store_wrapper.h). Called once per run with that store, which outlives the result;
  // null: the engine calls it directly. On local it must be thread-safe (every worker calls it).
  StoreDecorator store_decorator;
  // A live view (slotsim run --dashboard / --metrics-listen): called about once per wall second
  // on the run's thread with the measurements so far (as AbortWatch builds them: a copy of the
  // recorder finished at `elapsed`, the checker's report) and the run time elapsed. It only
  // reads: no event is scheduled and no random stream is touched, so a sim run stays
  // byte-deterministic with or without it. Must return quickly (copy what it needs). Null: none.
  std::function<void(const RunResult& live, Micros elapsed)> live;
};

// Runs `scenario` on its [target]. Errors are runtime failures (exit 1), except
// InvalidArgument for a scenario the target cannot run (a process fault against a server
// slotsim does not manage, a fault kind the sim does not model): bad input (exit 2).
// On the real-time targets a SIGINT / SIGTERM (with ChildRegistry's kFlag handlers installed)
// stops the run, tears everything down and returns Unavailable "interrupted by ..."; the caller
// exits with ChildRegistry::ExitCodeFor(TerminationSignal()).
StatusOr<RunResult> RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace slotsim
