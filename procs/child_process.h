// ChildProcess: one program slotsim launches and supervises (fork + exec), with the signals the
// fault vocabulary needs: SIGKILL, SIGSTOP / SIGCONT, and an orderly SIGTERM-then-SIGKILL end.
//
// No orphans. Each child
//  - runs in its own process group (Ctrl-C at a terminal reaches slotsim, not the servers; and
//    signals go to the whole group, so a script's own children die with it);
//  - has PR_SET_PDEATHSIG(SIGKILL): the kernel kills it when the THREAD that forked it exits
//    (not the process). Spawn children from a thread that outlives them, e.g. the main thread;
//  - is registered with ChildRegistry from fork until reaped, so a terminating signal handler
//    can kill it (child_registry.h);
//  - inherits no descriptor but stdin (/dev/null) and stdout + stderr (its log, appended).
//
// Not thread-safe: one owner thread drives a ChildProcess.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace slotsim {

// The absolute path of executable `name`: the directories of $PATH (read now, at call time)
// first, then `extra_dirs` in order. nullopt when none has it.
std::optional<std::string> FindExecutable(std::string_view name,
                                          const std::vector<std::string>& extra_dirs);

class ChildProcess {
 public:
  ChildProcess() = default;
  // Terminate(kDefaultGrace) if still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  static constexpr Millis kDefaultGrace{5000};

  // Starts argv[0] (an absolute path) with `argv`, stdin from /dev/null, stdout and stderr
  // appended to `log_path` (created 0600). Fails (Internal) if already running, if the log
  // cannot be opened, if ChildRegistry is full, or if exec fails (the message says why).
  Status Spawn(const std::vector<std::string>& argv, const std::string& log_path);

  // Spawned and not yet reaped.
  bool running() const { return pid_ > 0; }
  // The child's pid (also its process group id), or -1 when not running.
  pid_t pid() const { return pid_; }
  bool stopped() const { return stopped_; }

  // Non-blocking: true when the child is not running (it has exited and is now reaped).
  bool Exited();
  // Blocks up to `timeout` for the child to exit; true when it is not running.
  bool WaitExit(Millis timeout);
  // How the last child ended: "exited with status 1", "killed by signal 9", or "".
  const std::string& exit_description() const { return exit_description_; }
  // The raw waitpid status of the last child, valid after it was reaped.
  int exit_status() const { return exit_status_; }

  // SIGKILL to the group, then reap. No-op when not running.
  void Kill();
  // SIGSTOP to the group; returns once the child is stopped (or has died meanwhile).
  void Stop();
  // SIGCONT to the group; no-op unless stopped.
  void Continue();
  // SIGTERM (and SIGCONT if stopped) to the group, up to `grace` for the child to exit, then
  // SIGKILL; always reaps. No-op when not running.
  void Terminate(Millis grace);

 private:
  void Signal(int signo);
  void Reap();

  pid_t pid_ = -1;
  bool stopped_ = false;
  int exit_status_ = 0;
  std::string exit_description_;
};

}  // namespace slotsim
