// RunLocalScenario: the `local` target. The reference engine runs in this process over a real
// redis-server and a real mariadbd — launched by slotsim on free loopback ports in temp dirs, or
// the ones `[target] redis` / `mysql` name — on wall-clock time, with the scenario's faults done
// for real (local_faults.h).
//
// Threads: the calling thread starts the servers (they die with it: PR_SET_PDEATHSIG), runs the
// fault steps at their times and watches for SIGINT / SIGTERM; one event-loop thread
// (RealtimeLoop) runs every virtual client, the load driver, the recorder and the checker; a
// bounded pool of workers (`[target] workers`) runs the engine calls, over connection pools of
// the same size; the engine's failover probes run on their own timer thread. Everything that
// reaches the recorder is posted to the loop thread.
//
// The engine's tables and keys are `slotsim_local_*`; they are emptied at the start of a run,
// so every booking found at the end was made by it (a user's own servers keep other data).
#pragma once

#include "common/status.h"
#include "simulator/run.h"
#include "simulator/scenario.h"

namespace slotsim {

// Call from the thread that should own the managed servers (the main thread).
StatusOr<RunResult> RunLocalScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace slotsim
