// ChildProcess: fork/exec with the no-orphan measures of child_process.h. Between fork and exec
// the child makes only async-signal-safe calls; everything it needs is prepared before fork.
// Reaping always goes Unregister -> waitpid, and liveness is checked with WNOWAIT, so a pid in
// ChildRegistry is never one the kernel could have handed to another process.
#include "procs/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "procs/child_registry.h"

namespace slotsim {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr Millis kExitPollInterval{5};

// Moves `fd` to a number >= 3 (close-on-exec), so dup2 onto 0..2 in the child can never
// clobber another of the child's descriptors. Returns the new fd, or -1.
int LiftFd(int fd) {
  if (fd < 0 || fd >= 3) return fd;
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return high;
}

// Owns a descriptor in the parent.
class Fd {
 public:
  explicit Fd(int fd) : fd_(LiftFd(fd)) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// What the child needs between fork and exec, built before fork.
struct ChildSetup {
  char* const* argv;
  int log_fd;
  int null_fd;
  int exec_error_fd;  // close-on-exec: EOF on the other end means exec succeeded
  pid_t parent;
  long max_fd;  // for the fallback when close_range is missing
};

[[noreturn]] void RunChild(const ChildSetup& s) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != s.parent) _exit(127);  // the parent died before prctl took effect
  // Slotsim's handlers must never run here, and the program gets a clean signal state: default
  // dispositions (an inherited SIG_IGN would survive exec), then nothing blocked.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int signo = 1; signo < NSIG; ++signo) sigaction(signo, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  dup2(s.null_fd, STDIN_FILENO);
  dup2(s.log_fd, STDOUT_FILENO);
  dup2(s.log_fd, STDERR_FILENO);
  // Nothing else of the parent's leaks into the server (a client socket held by a server child
  // would keep a connection open after the parent closed it).
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (long fd = 3; fd < s.max_fd; ++fd) fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
  execv(s.argv[0], s.argv);
  const int err = errno;
  ssize_t ignored = write(s.exec_error_fd, &err, sizeof(err));
  (void)ignored;
  _exit(127);
}

// The errno the child reported before dying, or 0 once exec succeeded (EOF).
int ReadExecError(int fd) {
  int err = 0;
  ssize_t n;
  do {
    n = read(fd, &err, sizeof(err));
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof(err)) ? err : 0;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace

std::optional<std::string> FindExecutable(std::string_view name,
                                          const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> dirs;
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) dirs.emplace_back(dir);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const std::string& dir : dirs) {
    std::string candidate = dir + "/" + std::string(name);
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

ChildProcess::~ChildProcess() { Terminate(kDefaultGrace); }

Status ChildProcess::Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return Status::InvalidArgument("ChildProcess::Spawn: empty argv");
  if (running()) return Status::Internal("ChildProcess::Spawn: " + argv[0] + " already running");
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  Fd log(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  Fd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (log.get() < 0 || null.get() < 0) {
    return Status::Internal("open " + log_path + " or /dev/null: " + std::strerror(errno));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return Status::Internal(std::string("pipe2: ") + std::strerror(errno));
  Fd exec_error_read(pipe_fds[0]);
  Fd exec_error_write(pipe_fds[1]);
  const ChildSetup setup{cargv.data(),           log.get(), null.get(),
                         exec_error_write.get(), getpid(),  sysconf(_SC_OPEN_MAX)};

  // Signals stay blocked from fork until the child is registered (so a handler always knows
  // it) and, in the child, until slotsim's handlers are gone.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = fork();
  if (pid == 0) RunChild(setup);
  const int fork_errno = errno;
  bool registered = false;
  if (pid > 0) {
    setpgid(pid, pid);  // also here, so the group exists before the first group signal
    registered = ChildRegistry::Register(pid);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(fork_errno));

  pid_ = pid;
  stopped_ = false;
  exit_description_.clear();
  if (!registered) {
    Kill();
    return Status::Internal("more than " + std::to_string(ChildRegistry::kMaxChildren) +
                            " child processes; not starting " + argv[0]);
  }
  exec_error_write.Reset();  // or the read below would never see EOF
  if (const int err = ReadExecError(exec_error_read.get()); err != 0) {
    Reap();
    return Status::Internal("exec " + argv[0] + ": " + std::strerror(err));
  }
  return Status::Ok();
}

bool ChildProcess::Exited() {
  if (!running()) return true;
  siginfo_t info{};
  int r;
  do {
    r = waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  if (r == 0 && info.si_pid == 0) return false;  // still running
  Reap();
  return true;
}

bool ChildProcess::WaitExit(Millis timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!Exited()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(kExitPollInterval);
  }
  return true;
}

void ChildProcess::Kill() {
  if (!running()) return;
  Signal(SIGKILL);  // also ends a stopped process
  Reap();
}

void ChildProcess::Stop() {
  if (!running() || stopped_) return;
  Signal(SIGSTOP);
  siginfo_t info{};
  int r;
  do {
    // WNOWAIT: a child that died meanwhile is reaped by Reap(), after it is unregistered.
    r = waitid(P_PID, static_cast<id_t>(pid_), &info, WSTOPPED | WEXITED | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  if (r == 0 && info.si_code == CLD_STOPPED) {
    stopped_ = true;
  } else {
    Reap();
  }
}

void ChildProcess::Continue() {
  if (!running() || !stopped_) return;
  Signal(SIGCONT);
  stopped_ = false;
}

void ChildProcess::Terminate(Millis grace) {
  if (!running()) return;
  Signal(SIGTERM);
  if (stopped_) Signal(SIGCONT);  // the pending SIGTERM is acted on once it runs
  stopped_ = false;
  if (!WaitExit(grace)) Kill();
}

void ChildProcess::Signal(int signo) {
  if (kill(-pid_, signo) != 0) kill(pid_, signo);
}

void ChildProcess::Reap() {
  ChildRegistry::Unregister(pid_);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_status_ = status;
  exit_description_ = r == pid_ ? DescribeWaitStatus(status) : "reaped elsewhere";
  pid_ = -1;
  stopped_ = false;
}

}  // namespace slotsim
