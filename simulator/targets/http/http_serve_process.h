// ServeProcess: a `slotsim serve` child the http target launches with `[target] spawn = true`,
// over the Redis and MariaDB the run provides, on a free loopback port (`--listen
// 127.0.0.1:0`; the port is read from its "listening on http://..." line). Its stdout and
// stderr go to serve.log in its own temp dir, removed at teardown unless keep_servers.
//
// The child is the same binary as the run (RunOptions::self_binary), so both speak the same
// protocol version. What the scenario sets reaches it as flags: profile, hold TTL, grid
// (employees, days ahead), threads; the engine knobs serve has no flag for (redis_deadline,
// probe_interval, probes_to_close) stay the profile's, and Start() notes it when the scenario
// sets them otherwise.
//
// No orphans: a ChildProcess (own process group, PR_SET_PDEATHSIG, ChildRegistry). Start it
// from the thread that outlives it (the main thread). Not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "common/url.h"
#include "procs/child_process.h"
#include "simulator/targets/realtime/realtime_backend.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {

struct ServeSpec {
  RedisUrl redis;
  MySqlUrl mysql;
  std::string prefix;  // --prefix: Redis keys and MySQL tables
  int threads = 24;    // --threads: at least the connections the clients keep open
};

class ServeProcess {
 public:
  // Launches it and waits (up to 30 s) for its listening line. InvalidArgument when the
  // scenario's grid is not serve's (09:00-17:00 in 30-minute slots); Unavailable, with the
  // log's last lines, when it exits or stays silent.
  static StatusOr<std::unique_ptr<ServeProcess>> Start(
      const Scenario& scenario, const LaunchOptions& options, const ServeSpec& spec,
      const std::function<void(const std::string&)>& note);
  // SIGTERM (it drains and exits), SIGKILL after 5 s; removes the temp dir unless kept.
  ~ServeProcess();

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  std::string log_path() const { return dir_ + "/serve.log"; }

 private:
  ServeProcess() = default;
  Status WaitListening();

  ChildProcess child_;
  std::string dir_;
  bool keep_ = false;
  std::string url_;
};

// URLs with their passwords, as a command line takes them.
std::string RedisUrlArg(const RedisUrl& url);
std::string MySqlUrlArg(const MySqlUrl& url);

}  // namespace slotsim
