// `slotsim serve --managed`: the supervision flags, the supervisor's part of /readyz, and the
// wiring between the supervisor (procs/supervisor.h) and the engine (docs/serve.md,
// "Supervision").
#pragma once

#include <boost/program_options.hpp>

#include "common/status.h"
#include "procs/supervisor.h"
#include "protocol/server_wire.h"

namespace slotsim::cli {

// --restart-backoff-min, --restart-backoff-max, --max-restarts, --restart-window.
void AddSupervisionOptions(boost::program_options::options_description& desc);
// Reads them into `out`; InvalidArgument (flag, value, what was expected) for a bad value, or
// for one given without --managed.
Status ReadSupervision(const boost::program_options::variables_map& vm, bool managed,
                       SupervisorOptions& out);
// One backend entry per supervised server ("redis-server": "restarting in 250 ms ..."); not
// ready while a server bookings need is down.
void AddSupervisionReadiness(const Supervisor& supervisor, http::Readiness& r);

}  // namespace slotsim::cli
