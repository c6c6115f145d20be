// RealtimeBackend: what a wall-clock run drives — the engine in process over real servers
// (targets/local) or an HTTP server (targets/http). The run pipeline (simulator/run) starts
// the servers and faults, asks the backend for one OpExecutor per worker, and reads the final
// bookings from it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/url.h"
#include "engine/failover_store.h"
#include "engine/grid.h"
#include "simulator/observe/measurement.h"
#include "simulator/targets/realtime/realtime_target.h"

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
  // Every active booking at the end of the run (the checker's truth), with how completely the
  // backend could read them (simulator/observe/measurement.h).
  virtual StatusOr<FinalState> FinalBookings() = 0;
};

// How a backend that launches `slotsim serve` finds and places it.
struct LaunchOptions {
  std::string self_binary;  // the slotsim binary (slotsim run: /proc/self/exe)
  bool keep_servers = false;
  std::string server_dir;  // "" = $TMPDIR, or /tmp
};

}  // namespace slotsim
