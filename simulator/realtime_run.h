// RunRealtimeScenario: a scenario on wall-clock time against real servers — the skeleton the
// `local` and `http` targets share. It launches (or takes the URLs of) Redis and MariaDB, puts a
// fault proxy in front of either when the faults need one, starts the backend (the engine in
// process, or an HTTP server), drives the virtual clients from one event-loop thread through a
// bounded worker pool, runs the fault steps (local_faults.h) at their times, and collects the
// results.
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
#include "engine/failover_store.h"
#include "engine/grid.h"
#include "simulator/realtime_target.h"
#include "simulator/run.h"
#include "simulator/scenario.h"

namespace slotsim {

// What a real-time run drives.
class RealtimeBackend {
 public:
  virtual ~RealtimeBackend() = default;

  // "local" | "http": RunResult::target.
  virtual std::string name() const = 0;
  // Whether the run needs Redis and MariaDB (launched, or from [target] redis / mysql) for the
  // backend to use; when false, no server is started and no fault can be injected.
  virtual bool wants_servers() const = 0;
  // Starts the backend over these servers (the proxies' addresses when proxied; ignored when
  // !wants_servers()). `note` prints one line of news.
  virtual Status Start(const RedisUrl& redis, const MySqlUrl& mysql,
                       const std::function<void(const std::string&)>& note) = 0;
  // After Start:
  virtual const Grid& grid() const = 0;
  // One executor per worker thread.
  virtual std::unique_ptr<OpExecutor> NewExecutor(int worker) = 0;
  // The storage mode at the start of the run.
  virtual StorageMode mode() const = 0;
  // Receives the backend's mode switches, on any thread, as they happen (null: stop). A backend
  // that cannot see switches directly never calls it; the recorder then files phases by faults
  // only.
  virtual void SetSwitchListener(std::function<void(const ModeSwitch&)> listener) = 0;
  // Every active booking at the end of the run (the checker's truth).
  virtual StatusOr<std::vector<Booking>> FinalBookings() = 0;
};

// Runs `scenario` with `backend`. Call from the thread that should own the managed servers (the
// main thread). Errors as RunScenario's.
StatusOr<RunResult> RunRealtimeScenario(const Scenario& scenario, const RunOptions& options,
                                        RealtimeBackend& backend);

}  // namespace slotsim
