// The timeline of a scenario — its load stages, faults and the thresholds that may stop it —
// as text for people (`slotsim validate`, `slotsim run --dry-run`), and the time scale that
// shrinks all of it (`slotsim run --time-scale F`, docs/cli.md).
#pragma once

#include <string>

#include "common/status.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {

// One line per event in time order, for a terminal:
//   run       0s – 10m      open model (arrivals per second)
//   load      0s – 2m       ramp 0 → 50 arrivals/s
//   fault     3m – 4m       redis_down (restart empty)
//   abort     from 30s      "latency.poll.p99" < 20ms stops the run when it fails
// Stages past the duration are marked cut off; a load that outlasts its stages holds.
std::string ScenarioTimeline(const Scenario& scenario);

// `scenario` with its whole timeline multiplied by `factor` (0 < factor <= 1): duration, every
// load stage, every fault's at / for / down / up, every threshold's grace. Client behaviour
// (heartbeat, think and browse times, hold TTL), the engine's deadlines and the time-series
// interval keep their values. Times round down to the microsecond, so a fault that ended
// inside the run still does. The result is validated again as a scenario file would be;
// InvalidArgument for a factor outside (0, 1] or a scaled scenario that does not validate (say,
// a stage shrunk to nothing), naming the factor.
StatusOr<Scenario> ScaleTimeline(const Scenario& scenario, double factor);

}  // namespace slotsim
