// `slotsim proxy`: a fault proxy in front of one server (Redis, MariaDB, anything on TCP).
// Faults are switched at run time by command lines on stdin and, with --control, on a TCP
// control port. Runs until SIGINT or SIGTERM, then exits 0. docs/proxy.md has examples.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "procs/fault_proxy.h"
#include "procs/fault_proxy_control.h"

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

Status BuildOptions(const po::variables_map& vm, FaultProxyOptions* o) {
  SLOTSIM_ASSIGN_OR_RETURN(o->listen, ParseProxyEndpoint(vm["listen"].as<std::string>()));
  SLOTSIM_ASSIGN_OR_RETURN(o->upstream, ParseProxyEndpoint(vm["upstream"].as<std::string>()));
  SLOTSIM_ASSIGN_OR_RETURN(o->upstream_connect_timeout,
                           ParseDuration(vm["connect-timeout"].as<std::string>()));
  if (o->upstream_connect_timeout <= Micros(0)) {
    return Status::InvalidArgument("--connect-timeout " + vm["connect-timeout"].as<std::string>() +
                                   ": allowed: a duration above 0, e.g. 2s");
  }
  SLOTSIM_ASSIGN_OR_RETURN(
      const int64_t connections,
      ParseWholeNumber("--max-connections", vm["max-connections"].as<std::string>(), 1, 1'000'000));
  SLOTSIM_ASSIGN_OR_RETURN(const int64_t buffer,
                           ParseWholeNumber("--buffer-bytes", vm["buffer-bytes"].as<std::string>(),
                                            1024, int64_t{64} << 20));
  o->max_connections = static_cast<int>(connections);
  o->buffer_bytes = static_cast<size_t>(buffer);
  SLOTSIM_ASSIGN_OR_RETURN(o->seed, ParseSeed("--seed", vm["seed"].as<std::string>()));
  return Status::Ok();
}

// Answers to stdin go to stdout; control commands are logged to stderr.
ProxyCommandIo StdioCommands() {
  ProxyCommandIo io;
  io.console_fd = STDIN_FILENO;
  io.console_answer = [](const std::string& answer) {
    std::printf("%s\n", answer.c_str());
    std::fflush(stdout);
  };
  io.control_log = [](const std::string& line, const std::string& answer) {
    std::fprintf(stderr, "slotsim proxy: control: %s -> %s\n", line.c_str(), answer.c_str());
  };
  return io;
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
    StatusOr<int> fd = at.ok() ? OpenProxyControlListener(*at, &control_port) : at.status();
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
  ServeProxyCommands(**proxy, signal_fd, control_fd, StdioCommands());
  std::fprintf(stderr, "slotsim proxy: stopping; %s\n",
               FormatProxyStats((*proxy)->stats()).c_str());
  proxy->reset();
  if (control_fd >= 0) close(control_fd);
  close(signal_fd);
  return kExitOk;
}

}  // namespace

int RunProxy(int argc, char** argv) {
  po::options_description desc(kProxyUsage, 100, 50);
  desc.add_options()("help,h", "this text")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:0")->value_name("HOST:PORT"),
      "HOST:PORT clients connect to; port 0 picks a free one (printed at start)")(
      "upstream",
      po::value<std::string>()->default_value("127.0.0.1:6379")->value_name("HOST:PORT"),
      "HOST:PORT of the server every connection is forwarded to")(
      "control", po::value<std::string>()->default_value("")->value_name("HOST:PORT"),
      "HOST:PORT of a TCP control port taking the same commands as stdin (default: none)")(
      "fault", po::value<std::string>()->default_value("none")->value_name("FAULT"),
      "the fault to start with, e.g. \"latency 20ms\"")(
      "max-connections", po::value<std::string>()->default_value("1024")->value_name("N"),
      "connections proxied at once (1 to 1000000); more are accepted and reset at once")(
      "buffer-bytes", po::value<std::string>()->default_value("262144")->value_name("BYTES"),
      "bytes held per direction per connection before reading that side stops (1024 to 67108864)")(
      "connect-timeout", po::value<std::string>()->default_value("2s")->value_name("DURATION"),
      "an upstream connect slower than this resets the client")(
      "seed", po::value<std::string>()->default_value("1")->value_name("N"),
      "seed of the jitter draws");
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
