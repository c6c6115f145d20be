// RunLocalScenario: the `local` target. The reference engine runs in this process over a real
// redis-server and a real mariadbd — launched by slotsim on free loopback ports in temp dirs, or
// the ones `[target] redis` / `mysql` name — on wall-clock time, with the scenario's faults done
// for real (local_faults.h).
//
// The servers, faults, clients and threads are realtime_run.h's; this target's backend is the
// engine in process (EngineStack), its workers calling it directly.
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
