// ChildRegistry: the process-wide list of the child processes slotsim launched (redis-server,
// mariadbd, mariadb-install-db), so that a SIGINT / SIGTERM / SIGHUP can kill every one of them
// before slotsim goes away. ChildProcess (child_process.h) registers each child from fork until
// it is reaped; nothing else needs to call Register / Unregister.
//
// Why both this and PR_SET_PDEATHSIG: the kernel SIGKILLs a child when the thread that forked it
// exits, which covers crashes and SIGKILL of slotsim. A terminating signal handled here kills
// the children at once, whatever the process does next.
//
// Use in a program that owns managed servers (`slotsim run --target local`):
//   ChildRegistry::InstallTerminationHandlers(ChildRegistry::OnSignal::kFlag);
//   ... start servers ...
//   while (!done && ChildRegistry::TerminationSignal() == 0) { step(); }
//   ... normal teardown: destroy servers (removes their temp dirs unless --keep) ...
//   if (int sig = ChildRegistry::TerminationSignal()) return ChildRegistry::ExitCodeFor(sig);
// A signal handler cannot remove directories; that is why kFlag hands teardown back to the
// caller. kReraise is for programs that cannot poll: the children die, the temp dirs stay.
#pragma once

#include <sys/types.h>

namespace slotsim {

class ChildRegistry {
 public:
  // Most children registered at once; Register fails beyond (a bound, not a hang).
  static constexpr int kMaxChildren = 64;

  // Records `pid`, which must lead its own process group. False when the registry is full.
  // Thread-safe and async-signal-safe.
  static bool Register(pid_t pid);

  // Forgets `pid`; a no-op if unknown. Call it before reaping the child, so the handler never
  // signals a pid the kernel may have reused. Thread-safe and async-signal-safe.
  static void Unregister(pid_t pid);

  // SIGKILLs every registered child and its process group. Removes nothing, reaps nothing.
  // Async-signal-safe (kill() over a fixed array).
  static void KillAll();

  // Number of registered children (for tests and diagnostics).
  static int Count();

  enum class OnSignal {
    // Kill the children, then die of the signal with its default action. Temp dirs stay.
    kReraise,
    // Kill the children and record the signal; the caller polls TerminationSignal(), runs its
    // normal teardown and exits with ExitCodeFor(). A second signal dies as kReraise does.
    kFlag,
  };

  // Installs handlers for SIGINT, SIGTERM and SIGHUP (SA_RESTART). Call once, from the main
  // thread, before starting children; installing again replaces the mode.
  static void InstallTerminationHandlers(OnSignal mode);

  // The first terminating signal received in kFlag mode, or 0. Thread-safe.
  static int TerminationSignal();

  // Shell convention: 128 + signal (130 for SIGINT, 143 for SIGTERM).
  static int ExitCodeFor(int signo) { return 128 + signo; }
};

}  // namespace slotsim
