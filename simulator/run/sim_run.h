// RunSimScenario: a scenario on the deterministic sim target — virtual time, modelled Redis and
// MySQL, one thread. The driver provides only the loop: it runs the SimClock event by event and
// leaves the rest to the run pipeline (pipeline.h). Same seed, same summary, byte for byte.
#pragma once

#include "common/status.h"
#include "simulator/run/run.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {

// Runs `scenario` (already sliced to its shard) on sim. Errors as RunScenario's.
StatusOr<RunResult> RunSimScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace slotsim
