// The scenario's faults on the sim target: each FaultSpec becomes timers on the SimClock that
// switch the Redis or MySQL model into and out of its fault, and tell the recorder the exact
// moments. Kinds and what they do to the models:
//   redis_down           refused for `for`; comes back empty unless restart = "with_data"
//   redis_hang           every call times out at the deadline for `for` (SIGSTOP)
//   redis_latency        + latency (+ uniform jitter) per call for `for`
//   redis_flap           down for `down`, up for `up`, repeated for `for` (data kept)
//   redis_restart_empty  refused for 70 ms (a restart), then back with no data
//   mysql_slow           + latency per MySQL call;  mysql_down: MySQL refused;
//   mysql_hang           every MySQL call times out at the MySQL read timeout
//   proxy_latency / proxy_blackhole / proxy_reset / proxy_down on the proxy's upstream model:
//                        latency, hang, refused, refused
//   proxy_bandwidth      not modelled on sim: rejected before the run
#pragma once

#include <vector>

#include "common/status.h"
#include "simulator/observe/recorder.h"
#include "simulator/scenario/scenario.h"
#include "simulator/targets/sim/sim_target.h"

namespace slotsim {

// A fault window as it happened (for the checker's failover windows).
struct FaultWindow {
  std::string kind;
  Timestamp start, end;
};

// Fails for a fault kind the sim target cannot model.
Status CheckSimFaults(const std::vector<FaultSpec>& faults);

// Arms timers for every fault, relative to `start`. `target` and `recorder` must outlive the
// clock's run.
void ScheduleSimFaults(const std::vector<FaultSpec>& faults, Timestamp start, SimTarget& target,
                       Recorder& recorder);

}  // namespace slotsim
