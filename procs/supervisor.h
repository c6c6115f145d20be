// Supervisor: keeps managed servers (managed_servers.h) running for `slotsim serve --managed`.
// One thread per server polls it (waitid WNOHANG every poll_interval: a server that exits is
// reaped at once, never left a zombie), and when it has exited:
//  - logs the cause (exit status or signal, uptime), calls on_exit (e.g. to open the failover
//    store's breaker: a restarted Redis comes back empty),
//  - waits a backoff (backoff_min, doubled per consecutive failure, at most backoff_max; the
//    count starts again once a server has stayed up for a whole window),
//  - restarts it on the same port with the same data dir (ManagedServer::Restart), and logs
//    and counts the restart; a failed restart counts as another attempt.
// More than max_restarts restarts within `window` and it gives up: the server stays down, the
// state says so. Shutdown: Quiesce() ends all restarts and callbacks; Stop() (or the
// destructor) then terminates the servers one by one in the reverse order of Add(), each from
// the thread that restarted it (PR_SET_PDEATHSIG is per thread: a server must not outlive the
// thread that forked it).
//
// Wall-clock by nature (process supervision), like managed_servers.h. Thread-safe: States()
// and AppendMetrics() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "procs/managed_servers.h"

namespace slotsim {

struct SupervisorOptions {
  Millis backoff_min{250};
  Millis backoff_max{30000};
  // Restarts allowed within `window`; one more exit in the window gives up. 0: never restart.
  int max_restarts = 5;
  Millis window{60000};
  Millis poll_interval{50};
  // Every event, one line without a trailing newline. Null: stderr.
  std::function<void(const std::string&)> log;
  // On the server's supervisor thread, after an exit was seen and before any restart.
  std::function<void(const std::string& name, const std::string& cause)> on_exit;
};

struct SupervisedState {
  enum class Phase { kRunning, kBackingOff, kRestarting, kGivenUp, kStopped };
  std::string name;
  bool required = false;  // bookings cannot be taken while it is down
  Phase phase = Phase::kRunning;
  pid_t pid = -1;
  int restarts = 0;         // successful restarts since start
  int exits = 0;            // exits seen
  int failed_restarts = 0;  // restarts that did not come up
  int attempt = 0;          // consecutive attempts since the server last ran a whole window
  Millis next_in{0};        // kBackingOff: time left until the next attempt
  std::string last_cause;   // "killed by signal 9 (Killed) after 3.2 s up", or ""
};

// "running", "restarting in 250 ms (attempt 1; last: ...)", "given up after 5 restarts ...".
std::string DescribeState(const SupervisedState& s, const SupervisorOptions& options);

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions options);
  // Stop().
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Before Start(). `server` must outlive the supervisor. `name` names it in logs, states and
  // metrics ("redis-server"). `required`: bookings need it (States().required).
  void Add(ManagedServer* server, std::string name, bool required);
  // Starts one supervising thread per server.
  void Start();
  // No restart and no on_exit from the moment this returns (a restart under way finishes
  // first). Idempotent.
  void Quiesce();
  // Quiesce(), then terminates the servers in the reverse order of Add() and joins.
  // Idempotent.
  void Stop();

  std::vector<SupervisedState> States() const;
  // slotsim_managed_server_{up,given_up,exits_total,restarts_total,restart_failures_total}
  // {server="NAME"}, Prometheus text.
  void AppendMetrics(std::string& out) const;
  const SupervisorOptions& options() const { return options_; }

 private:
  struct Entry;
  void Run(Entry& e);
  // Waits `d` or until quiesced; true when quiesced.
  bool WaitQuiesced(Entry& e, Millis d);
  // Logs the exit and restarts; false when it gave up.
  bool HandleExit(Entry& e);
  // Backoff, restart, repeat until it runs, gives up (false), or quiesced.
  bool RestartLoop(Entry& e);
  void Log(const std::string& line) const;

  const SupervisorOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool quiesce_ = false;
  bool started_ = false;
  bool stopped_ = false;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace slotsim
