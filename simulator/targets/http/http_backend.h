// NewHttpBackend: the `http` target. The virtual clients speak the heartbeat protocol
// (protocol/client_wire.h) to a server over HTTP — `slotsim serve`, or any server with the AppointEase
// wire format — through a bounded pool of keep-alive connections, one per worker
// (`[target] workers`). The servers, faults, clients, recorder and checker are
// the real-time run's (simulator/run); this target's backend is HttpBackend.
//
// Two ways to run (docs/http.md):
//  - `[target] spawn = true`: the run launches Redis and MariaDB (or takes `[target] redis` /
//    `mysql`) with fault proxies exactly as the `local` target does, empties the `slotsim_http_`
//    keys and tables, and launches `slotsim serve` over them (LaunchOptions::self_binary) on a
//    free loopback port. Every local fault kind works. Final bookings are read from its table.
//  - `[target] spawn = false`: drives `[target] url`; nothing is launched and no fault can be
//    injected. Final bookings are read from `[target] mysql` (tables `<table_prefix>bookings`)
//    when given, else back through the API (GET appointments/{id} of every booking the run saw
//    acknowledged) — which cannot see phantom bookings.
//
// Mode switches: the server's own switches are not visible, so the backend synthesizes them
// from answers: when a completed answer states a storage mode different from the last one seen
// (and the request was sent after that switch), it reports a switch at that answer's
// completion, cause "observed in answers".
#pragma once

#include <memory>

#include "common/status.h"
#include "simulator/scenario/scenario.h"
#include "simulator/targets/realtime/realtime_backend.h"

namespace slotsim {

// The Redis key prefix and MySQL table prefix of a spawned `slotsim serve`.
inline constexpr char kHttpSpawnPrefix[] = "slotsim_http_";

// The HTTP backend for `scenario` (which must outlive it). InvalidArgument when spawn = true
// and launch.self_binary is unset. Start() launches serve when spawn = true: call it from the
// thread that should own the spawned server (the main thread).
StatusOr<std::unique_ptr<RealtimeBackend>> NewHttpBackend(const Scenario& scenario,
                                                          const LaunchOptions& launch);

}  // namespace slotsim
