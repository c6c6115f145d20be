// NewLocalBackend: the `local` target. The reference engine runs in this process over a real
// redis-server and a real mariadbd — launched by slotsim on free loopback ports in temp dirs, or
// the ones `[target] redis` / `mysql` name — on wall-clock time, with the scenario's faults done
// for real (local_faults.h).
//
// The servers, faults, clients and threads are the real-time run's (simulator/run); this
// target's backend is the engine in process (EngineStack), its workers calling it directly.
//
// The engine's tables and keys are `slotsim_local_*`; they are emptied at the start of a run,
// so every booking found at the end was made by it (a user's own servers keep other data).
#pragma once

#include <functional>
#include <memory>

#include "simulator/scenario/scenario.h"
#include "simulator/targets/realtime/realtime_backend.h"

namespace slotsim {

// The engine-in-process backend for `scenario` (which must outlive it).
// `decorate` (tests; may be null) wraps the store the engine calls (EngineStackOptions::decorate).
std::unique_ptr<RealtimeBackend> NewLocalBackend(
    const Scenario& scenario, std::function<std::unique_ptr<Store>(Store& inner)> decorate = {});

}  // namespace slotsim
