// The scenario's faults on the `local` target, for real: each FaultSpec becomes steps — signals
// to a managed server, restarts, or a fault switched on a FaultProxy — that the run executes at
// their times from a thread other than the event loop (a restart blocks for ~70 ms to ~1 s).
// Every step tells the timeline the exact moment a fault began (just before the signal or proxy
// switch) and ended (once the server answers again, or the proxy is clear), so detect_ms and
// recover_ms are measured from the real moments. Kinds:
//   redis_down           SIGKILL; after `for`, restart empty or (restart = "with_data") with its
//                        data (the managed Redis then runs with appendfsync always)
//   redis_restart_empty  SIGKILL and restart at once with no data
//   redis_hang           SIGSTOP for `for`, then SIGCONT
//   redis_flap           SIGKILL for `down`, restart with data for `up`, repeated for `for`
//   redis_latency        latency (+ jitter) on the proxy in front of Redis
//   mysql_down           SIGKILL MariaDB; restart after `for` (crash recovery keeps bookings)
//   mysql_hang           SIGSTOP MariaDB for `for`, then SIGCONT
//   mysql_slow           latency on the proxy in front of MySQL
//   proxy_*              the proxy fault on the proxy in front of `upstream`
// Process faults need a server slotsim manages (no --redis / --mysql URL for it).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "procs/fault_proxy.h"
#include "procs/managed_servers.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {

// What the faults need, decided before anything starts.
struct LocalFaultNeeds {
  bool redis_proxy = false;       // a FaultProxy between the engine and Redis
  bool mysql_proxy = false;       // ... and MySQL
  bool persistent_redis = false;  // Redis must keep its data across a SIGKILL
};
LocalFaultNeeds LocalFaultNeedsOf(const std::vector<FaultSpec>& faults);

// InvalidArgument naming the fault when it needs a process this run does not manage, with the
// proxy fault to use instead.
Status CheckLocalFaults(const std::vector<FaultSpec>& faults, bool managed_redis,
                        bool managed_mysql);

// What the faults act on; null when absent (CheckLocalFaults and LocalFaultNeedsOf decide what
// must be present).
struct LocalFaultBackends {
  ManagedRedis* redis = nullptr;
  ManagedMariaDb* mysql = nullptr;
  FaultProxy* redis_proxy = nullptr;
  FaultProxy* mysql_proxy = nullptr;
};

// Receives the exact fault moments. Called on the thread running the steps.
class FaultTimeline {
 public:
  virtual ~FaultTimeline() = default;
  virtual void Started(const std::string& kind, Timestamp at) = 0;
  virtual void Ended(Timestamp at) = 0;
};

struct FaultStep {
  Micros at{0};      // since the run start
  std::string what;  // "redis_down: SIGKILL redis-server", for messages
  std::function<Status()> act;
};

// The steps of every fault, ordered by time (steps at the same time in scenario order).
// `backends` and `timeline` must outlive the steps; `wall` stamps the moments.
std::vector<FaultStep> PlanLocalFaults(const std::vector<FaultSpec>& faults,
                                       const LocalFaultBackends& backends, Clock& wall,
                                       FaultTimeline& timeline);

}  // namespace slotsim
