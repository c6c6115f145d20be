// `slotsim proxy`: a fault proxy in front of one server (Redis, MariaDB, anything on TCP).
// Faults are switched at run time by command lines on stdin and, with --control, on a TCP
// control port. Runs until SIGINT or SIGTERM, then exits 0. docs/proxy.md has examples.
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "procs/fault_proxy.h"

namespace slotsim::cli {
namespace {

constexpr const char* kProxyUsage =
    "usage: slotsim proxy --upstream HOST:PORT [options]\n"
    "\n"
    "Runs a TCP proxy on --listen that forwards every connection to --upstream and injects\n"
    "faults, switched at run time by one command per line on stdin and (with --control) on a\n"
    "TCP control port. Each command is answered with one line: \"ok\" or \"error: ...\".\n"
    "\n"
    "commands:\n"
    "  latency 20ms [jitter 5ms]  delay what the upstream sends back by 20ms +- 5ms (uniform)\n"
    "  blackhole                  accept and keep connections, forward nothing (bytes are held)\n"
    "  reset                      reset (RST) every connection, and each new one at once\n"
    "  down                       stop listening (connect is refused); close every connection\n"
    "  bandwidth 100000           at most 100000 bytes/s each way per connection\n"
    "  clear                      no fault\n"
    "  stats                      ok accepted=.. refused=.. active=.. bytes_to_upstream=.. ...\n"
    "\n"
    "Prints \"listening on HOST:PORT\" when ready. Stops on SIGINT or SIGTERM (exit 0); the end\n"
    "of stdin does not stop it.\n"
    "exit codes: 0 stopped by a signal, 1 cannot listen, 2 bad input\n"
    "\n"
    "options";

constexpr size_t kMaxControlClients = 16;
constexpr size_t kMaxLineBytes = 1024;

// Where command lines come from: stdin or one control connection.
struct LineSource {
  int fd = -1;
  bool is_stdin = false;
  std::string pending;  // bytes after the last newline
};

Status BuildOptions(const po::variables_map& vm, FaultProxyOptions* o) {
  SLOTSIM_ASSIGN_OR_RETURN(o->listen, ParseProxyEndpoint(vm["listen"].as<std::string>()));
  SLOTSIM_ASSIGN_OR_RETURN(o->upstream, ParseProxyEndpoint(vm["upstream"].as<std::string>()));
  SLOTSIM_ASSIGN_OR_RETURN(o->upstream_connect_timeout,
                           ParseDuration(vm["connect-timeout"].as<std::string>()));
  o->max_connections = vm["max-connections"].as<int>();
  o->buffer_bytes = vm["buffer-bytes"].as<size_t>();
  o->seed = vm["seed"].as<uint64_t>();
  return Status::Ok();
}

// A non-blocking listener for control connections; *port gets the bound port.
StatusOr<int> OpenControlListener(const ProxyEndpoint& at, int* port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(at.host.c_str(), std::to_string(at.port).c_str(), &hints, &res);
  if (rc != 0)
    return Status::InvalidArgument("--control " + ToString(at) + ": " + gai_strerror(rc));
  const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 16) == 0;
  freeaddrinfo(res);
  if (!ok) {
    Status s = Status::Unavailable("--control " + ToString(at) + ": " + std::strerror(errno));
    if (fd >= 0) close(fd);
    return s;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  char service[16] = "";
  getnameinfo(reinterpret_cast<sockaddr*>(&bound), len, nullptr, 0, service, sizeof(service),
              NI_NUMERICSERV);
  *port = std::atoi(service);
  return fd;
}

void Answer(const LineSource& src, const std::string& line) {
  if (src.is_stdin) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return;
  }
  const std::string out = line + "\n";
  // Answers are short; a control client that does not read them loses them.
  [[maybe_unused]] ssize_t n = send(src.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Reads what `src` has and runs each complete line. False when the source is finished (EOF, an
// error or an over-long line) and should be closed.
bool ServeLines(FaultProxy& proxy, LineSource& src) {
  char buf[4096];
  const ssize_t n = read(src.fd, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  src.pending.append(buf, static_cast<size_t>(n));
  size_t nl;
  while ((nl = src.pending.find('\n')) != std::string::npos) {
    const std::string line = src.pending.substr(0, nl);
    src.pending.erase(0, nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank
    const std::string answer = HandleProxyCommand(proxy, line);
    Answer(src, answer);
    if (!src.is_stdin)
      std::fprintf(stderr, "slotsim proxy: control: %s -> %s\n", line.c_str(), answer.c_str());
  }
  if (src.pending.size() > kMaxLineBytes) {
    Answer(src, "error: line longer than 1024 bytes");
    return false;
  }
  return true;
}

void AcceptControl(int control_fd, std::vector<LineSource>& sources) {
  const int fd = accept4(control_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (sources.size() > kMaxControlClients) {
    LineSource busy{fd, false, ""};
    Answer(busy, "error: too many control connections");
    close(fd);
    return;
  }
  sources.push_back(LineSource{fd, false, ""});
}

// Serves stdin and control connections until a signal arrives on `signal_fd`.
void ServeCommands(FaultProxy& proxy, int signal_fd, int control_fd) {
  std::vector<LineSource> sources{LineSource{STDIN_FILENO, true, ""}};
  for (;;) {
    std::vector<pollfd> fds{{signal_fd, POLLIN, 0}, {control_fd, POLLIN, 0}};
    for (const LineSource& s : sources) fds.push_back({s.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    if (fds[1].revents != 0) AcceptControl(control_fd, sources);
    for (size_t i = sources.size(); i-- > 0;) {
      if (fds[i + 2].revents == 0 || ServeLines(proxy, sources[i])) continue;
      if (!sources[i].is_stdin) close(sources[i].fd);  // stdin's end does not stop the proxy
      sources.erase(sources.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  for (const LineSource& s : sources) {
    if (!s.is_stdin) close(s.fd);
  }
}

// Starts the proxy and the control listener, serves commands, stops. Returns the exit code.
int RunProxyWith(const FaultProxyOptions& options, const ProxyFault& fault,
                 const std::string& control) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  // Blocked before the proxy's thread starts, so only the signalfd ever sees them.
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill the proxy mid-run
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(options);
  if (!proxy.ok()) {
    std::cerr << "slotsim proxy: " << proxy.status().message() << "\n";
    return proxy.status().code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  if (Status s = (*proxy)->SetFault(fault); !s.ok()) {
    std::cerr << "slotsim proxy: --fault: " << s.message() << "\n";
    return kExitRuntime;
  }
  int control_fd = -1, control_port = 0;
  if (!control.empty()) {
    StatusOr<ProxyEndpoint> at = ParseProxyEndpoint(control);
    StatusOr<int> fd = at.ok() ? OpenControlListener(*at, &control_port) : at.status();
    if (!fd.ok()) {
      std::cerr << "slotsim proxy: " << fd.status().message() << "\n";
      return fd.status().code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
    }
    control_fd = *fd;
  }
  ProxyEndpoint bound = options.listen;
  bound.port = (*proxy)->port();
  std::printf("slotsim proxy: listening on %s, upstream %s, fault \"%s\"", ToString(bound).c_str(),
              ToString(options.upstream).c_str(), ToString(fault).c_str());
  if (control_fd >= 0) std::printf(", control port %d", control_port);
  std::printf("\n");
  std::fflush(stdout);
  ServeCommands(**proxy, signal_fd, control_fd);
  std::fprintf(stderr, "slotsim proxy: stopping; %s\n",
               FormatProxyStats((*proxy)->stats()).c_str());
  proxy->reset();
  if (control_fd >= 0) close(control_fd);
  close(signal_fd);
  return kExitOk;
}

}  // namespace

int RunProxy(int argc, char** argv) {
  po::options_description desc(kProxyUsage);
  desc.add_options()("help,h", "this text")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:0"),
      "HOST:PORT clients connect to; port 0 picks a free one (printed at start)")(
      "upstream", po::value<std::string>()->default_value("127.0.0.1:6379"),
      "HOST:PORT of the server every connection is forwarded to")(
      "control", po::value<std::string>()->default_value(""),
      "HOST:PORT of a TCP control port taking the same commands as stdin (default: none)")(
      "fault", po::value<std::string>()->default_value("none"),
      "the fault to start with, e.g. \"latency 20ms\"")(
      "max-connections", po::value<int>()->default_value(1024),
      "connections proxied at once; more are accepted and reset at once")(
      "buffer-bytes", po::value<size_t>()->default_value(256 * 1024),
      "bytes held per direction per connection before reading that side stops")(
      "connect-timeout", po::value<std::string>()->default_value("2s"),
      "an upstream connect slower than this resets the client")(
      "seed", po::value<uint64_t>()->default_value(1), "seed of the jitter draws");
  po::variables_map vm;
  if (!ParseOptions("proxy", argc, argv, desc, {}, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  FaultProxyOptions options;
  Status built = BuildOptions(vm, &options);
  StatusOr<ProxyFault> fault = ParseProxyFault(vm["fault"].as<std::string>());
  if (built.ok() && !fault.ok()) built = fault.status();
  if (!built.ok()) {
    std::cerr << "slotsim proxy: " << built.message() << "\n\n" << desc << "\n";
    return kExitBadInput;
  }
  return RunProxyWith(options, *fault, vm["control"].as<std::string>());
}

}  // namespace slotsim::cli
