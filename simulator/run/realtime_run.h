// RunRealtimeScenario: a scenario on wall-clock time against real servers — the skeleton the
// `local` and `http` targets share. It launches (or takes the URLs of) Redis and MariaDB, puts a
// fault proxy in front of either when the faults need one, starts the backend (the engine in
// process, or an HTTP server), runs the fault steps (local_faults.h) at their times, and drives
// the run pipeline (pipeline.h) from one event-loop thread through a bounded worker pool.
//
// Threads: the calling thread starts the servers (they die with it: PR_SET_PDEATHSIG), runs the
// fault steps and watches for SIGINT / SIGTERM; one event-loop thread (RealtimeLoop) runs every
// virtual client, the load driver, the recorder and the checker; `[target] workers` worker
// threads run the operations through the backend's executors. Mode switches and fault moments
// are posted to the loop thread, so the recorder sees one ordered stream.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/url.h"
#include "simulator/run/run.h"
#include "simulator/scenario/scenario.h"
#include "simulator/targets/realtime/realtime_backend.h"

namespace slotsim {

// Runs `scenario` with `backend`. Call from the thread that should own the managed servers (the
// main thread). Errors as RunScenario's.
StatusOr<RunResult> RunRealtimeScenario(const Scenario& scenario, const RunOptions& options,
                                        RealtimeBackend& backend);

}  // namespace slotsim
