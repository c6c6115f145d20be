// RunScenario: one run of a scenario on a target, end to end — clients, faults, recording and
// checking — returning everything summary.json is made of.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "simulator/checker.h"
#include "simulator/recorder.h"
#include "simulator/scenario.h"

namespace slotsim {

// Resources and throughput of the harness itself (summary.json "run").
struct RunInfo {
  double wall_s = 0;
  uint64_t events = 0;      // simulated client events (operations sent and answered)
  double events_per_s = 0;  // per wall second
  double peak_rss_mb = 0;
  double bytes_per_client = 0;  // peak RSS over peak live clients
};

struct RunResult {
  Scenario scenario;
  std::string target;  // "sim" | "local" | "http"
  std::string git_commit;
  RunMetrics metrics;
  ConsistencyReport consistency;
  RunInfo run;
  uint64_t rejected_arrivals = 0;  // clients refused at load.max_clients
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
  Clock* wall_clock = nullptr;                    // for wall time and progress; required
};

// Runs `scenario` on its [target]. Errors are runtime failures (exit 1); a scenario that
// loaded is never rejected here.
StatusOr<RunResult> RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace slotsim
