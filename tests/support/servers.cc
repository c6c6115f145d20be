// Test support: shared server URLs from the environment, unique prefixes, free ports, and a
// private redis-server child for fault tests. POSIX only; no client library is needed because
// liveness is checked with a raw inline "INFO server" over a loopback socket.
#include "tests/support/servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace slotsim::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kStartDeadline = std::chrono::seconds(5);
constexpr auto kRestartBindDeadline = std::chrono::seconds(2);
constexpr auto kPingTimeout = std::chrono::milliseconds(200);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr int kStartPortAttempts = 5;  // a free port can be taken by a parallel test meanwhile
constexpr size_t kMaxPrefixLength = 24;

// Reads `name` from the environment; nullopt when unset or empty.
std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

[[noreturn]] void DieBadUrl(const char* name, const Status& status) {
  std::fprintf(stderr, "FATAL: %s is set but malformed: %s\n", name, status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}

// Sets both socket timeouts; a blocked read or write then fails with EAGAIN.
void SetSocketTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// True if the Redis answering on 127.0.0.1:port within kPingTimeout is process `pid`. Asking for
// the pid, not just PING, matters: if our child failed to bind because another process took
// the port meanwhile, that other server would answer PING.
bool RedisAnswersAs(int port, pid_t pid) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  SetSocketTimeouts(fd, kPingTimeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string want = "\r\nprocess_id:" + std::to_string(pid) + "\r\n";
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    constexpr char kInfo[] = "INFO server\r\n";
    if (send(fd, kInfo, sizeof(kInfo) - 1, MSG_NOSIGNAL) == sizeof(kInfo) - 1) {
      std::string reply;
      char buf[4096];
      // The section is ~1.5 KiB; stop at 64 KiB so a misbehaving peer cannot keep us here.
      while (!ok && reply.size() < 65536) {
        const ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        reply.append(buf, static_cast<size_t>(n));
        ok = reply.find(want) != std::string::npos;
      }
    }
  }
  close(fd);
  return ok;
}

// Reaps `pid` if it has exited; true when it is gone.
bool ChildExited(pid_t pid, int* wstatus) {
  pid_t r;
  do {
    r = waitpid(pid, wstatus, WNOHANG);
  } while (r < 0 && errno == EINTR);
  return r == pid || (r < 0 && errno == ECHILD);
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// The absolute path of an executable called `name` on PATH or in the usual system dirs.
std::optional<std::string> FindExecutable(const std::string& name) {
  std::vector<std::string> dirs;
  std::stringstream path(Env("PATH").value_or(""));
  for (std::string dir; std::getline(path, dir, ':');) {
    if (!dir.empty()) dirs.push_back(dir);
  }
  for (const char* d : {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"}) {
    dirs.emplace_back(d);
  }
  for (const std::string& dir : dirs) {
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// The last `max_bytes` of a log file, for error messages.
std::string LogTail(const std::string& path, size_t max_bytes = 1500) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() > max_bytes) all = "..." + all.substr(all.size() - max_bytes);
  return all;
}

// A fresh private directory for one server, e.g. /tmp/slotsim-redis-Ab12Cd.
StatusOr<std::string> MakeTempDir() {
  std::string base = Env("TMPDIR").value_or("/tmp");
  std::string templ = base + "/slotsim-redis-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return Status::Internal("mkdtemp(" + templ + "): " + std::strerror(errno));
  }
  return std::string(buf.data());
}

}  // namespace

std::optional<RedisUrl> SharedRedisUrl() {
  std::optional<std::string> raw = Env("SLOTSIM_REDIS_URL");
  if (!raw) return std::nullopt;
  StatusOr<RedisUrl> url = ParseRedisUrl(*raw);
  if (!url.ok()) DieBadUrl("SLOTSIM_REDIS_URL", url.status());
  return *url;
}

std::optional<MySqlUrl> SharedMySqlUrl() {
  std::optional<std::string> raw = Env("SLOTSIM_MYSQL_URL");
  if (!raw) return std::nullopt;
  StatusOr<MySqlUrl> url = ParseMySqlUrl(*raw);
  if (!url.ok()) DieBadUrl("SLOTSIM_MYSQL_URL", url.status());
  return *url;
}

bool ServersRequired() { return Env("SLOTSIM_REQUIRE_SERVERS").value_or("") == "1"; }

std::string UniquePrefix(std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  const std::string head =
      "t" + std::to_string(getpid()) + "_" + std::to_string(counter.fetch_add(1)) + "_";
  std::string clean;
  for (char c : tag) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    clean.push_back(keep ? lower : '_');
  }
  // Room for the tag and its trailing '_' within kMaxPrefixLength; the head alone always fits.
  const size_t room = kMaxPrefixLength > head.size() + 1 ? kMaxPrefixLength - head.size() - 1 : 0;
  if (clean.size() > room) clean.resize(room);
  return clean.empty() ? head : head + clean + "_";
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "FATAL: cannot bind a free port on 127.0.0.1: %s\n", std::strerror(errno));
    std::abort();
  }
  close(fd);
  return ntohs(addr.sin_port);
}

StatusOr<std::unique_ptr<RedisProcess>> RedisProcess::Start() {
  std::unique_ptr<RedisProcess> proc(new RedisProcess());
  SLOTSIM_ASSIGN_OR_RETURN(proc->dir_, MakeTempDir());
  Status last;
  for (int attempt = 0; attempt < kStartPortAttempts; ++attempt) {
    proc->port_ = FreeLoopbackPort();
    last = proc->Launch();
    if (last.code() != Code::kUnavailable) break;  // only an exit (port taken) is retried
  }
  if (!last.ok()) return last;  // the destructor removes the dir
  return proc;
}

RedisProcess::~RedisProcess() {
  if (pid_ > 0) {
    if (stopped_) kill(pid_, SIGCONT);
    KillAndReap(pid_);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

RedisUrl RedisProcess::url() const {
  RedisUrl url;
  url.host = "127.0.0.1";
  url.port = port_;
  return url;
}

void RedisProcess::Kill() {
  if (pid_ <= 0) return;
  KillAndReap(pid_);  // SIGKILL also ends a stopped process
  pid_ = -1;
  stopped_ = false;
}

void RedisProcess::Stop() {
  if (pid_ <= 0 || stopped_) return;
  kill(pid_, SIGSTOP);
  // Wait until the kernel reports it stopped, so the caller's next step sees a hung server.
  while (waitpid(pid_, nullptr, WUNTRACED) < 0 && errno == EINTR) {
  }
  stopped_ = true;
}

void RedisProcess::Continue() {
  if (pid_ <= 0 || !stopped_) return;
  kill(pid_, SIGCONT);
  stopped_ = false;
}

Status RedisProcess::Restart() {
  Kill();
  // The old listening socket is gone with the process; redis sets SO_REUSEADDR, so a bind
  // failure here is unusual, but retry briefly in case another process grabbed the port.
  const auto deadline = SteadyClock::now() + kRestartBindDeadline;
  Status st;
  do {
    st = Launch();
    if (st.code() != Code::kUnavailable) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (SteadyClock::now() < deadline);
  return st;
}

// Forks and execs redis-server on port_, then waits until it answers. On failure the
// child is gone and the status carries the tail of its log.
Status RedisProcess::Launch() {
  std::optional<std::string> binary = FindExecutable("redis-server");
  if (!binary) return Status::NotFound("redis-server not found on PATH, /usr/bin or /usr/sbin");
  const std::string port = std::to_string(port_);
  const std::string log_path = dir_ + "/redis.log";
  // Everything the child needs is built before fork(): only async-signal-safe calls after it.
  std::vector<std::string> args = {
      *binary,        "--port", port,    "--bind", "127.0.0.1",   "--save", "",
      "--appendonly", "no",     "--dir", dir_,     "--daemonize", "no"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // terminal signals (Ctrl-C, Ctrl-Z) reach the test, not the server
    // Never outlive a crashed test binary. The signal fires when the *thread* that forked
    // exits, so a RedisProcess must be started by a thread that outlives it (gtest's main).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null = open("/dev/null", O_RDONLY);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    if (null >= 0) dup2(null, STDIN_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }

  pid_ = pid;
  stopped_ = false;
  const auto deadline = SteadyClock::now() + kStartDeadline;
  while (SteadyClock::now() < deadline) {
    if (RedisAnswersAs(port_, pid_)) return Status::Ok();
    int wstatus = 0;
    if (ChildExited(pid_, &wstatus)) {
      pid_ = -1;
      return Status::Unavailable("redis-server on port " + port + " exited (status " +
                                 std::to_string(wstatus) + "); log:\n" + LogTail(log_path));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  KillAndReap(pid_);
  pid_ = -1;
  return Status::Timeout("redis-server on port " + port + " did not answer within 5 s; log:\n" +
                         LogTail(log_path));
}

}  // namespace slotsim::testing
