// ChildRegistry: a fixed array of atomic pids, so the signal handler can read it without locks
// or allocation. Every function here that the handler reaches is async-signal-safe.
#include "procs/child_registry.h"

#include <signal.h>

#include <atomic>
#include <cerrno>

namespace slotsim {
namespace {

static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler reads these");
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler writes this");

std::atomic<pid_t> g_children[ChildRegistry::kMaxChildren];  // 0 = free slot
std::atomic<int> g_mode{static_cast<int>(ChildRegistry::OnSignal::kReraise)};
std::atomic<int> g_signal{0};

constexpr int kTerminationSignals[] = {SIGINT, SIGTERM, SIGHUP};

void DieOf(int signo) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(signo, &dfl, nullptr);
  // The signal is blocked while its handler runs, so it is delivered (default action: the
  // process ends) as soon as the handler returns.
  raise(signo);
}

void OnTerminationSignal(int signo) {
  const int saved_errno = errno;
  ChildRegistry::KillAll();
  const bool flag_mode = g_mode.load() == static_cast<int>(ChildRegistry::OnSignal::kFlag);
  int expected = 0;
  if (!flag_mode || !g_signal.compare_exchange_strong(expected, signo)) DieOf(signo);
  errno = saved_errno;
}

}  // namespace

bool ChildRegistry::Register(pid_t pid) {
  for (std::atomic<pid_t>& slot : g_children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return true;
  }
  return false;
}

void ChildRegistry::Unregister(pid_t pid) {
  for (std::atomic<pid_t>& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void ChildRegistry::KillAll() {
  for (std::atomic<pid_t>& slot : g_children) {
    const pid_t pid = slot.load();
    if (pid <= 0) continue;
    // The group takes grandchildren too (mariadb-install-db's bootstrap server); the pid alone
    // covers a child that has not run setpgid yet.
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
}

int ChildRegistry::Count() {
  int n = 0;
  for (const std::atomic<pid_t>& slot : g_children) n += slot.load() > 0 ? 1 : 0;
  return n;
}

void ChildRegistry::InstallTerminationHandlers(OnSignal mode) {
  g_mode.store(static_cast<int>(mode));
  struct sigaction sa {};
  sa.sa_handler = OnTerminationSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  // One handler at a time: a SIGTERM during a SIGINT's handler waits its turn.
  for (int signo : kTerminationSignals) sigaddset(&sa.sa_mask, signo);
  for (int signo : kTerminationSignals) sigaction(signo, &sa, nullptr);
}

int ChildRegistry::TerminationSignal() { return g_signal.load(); }

}  // namespace slotsim
