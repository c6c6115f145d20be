// slotsim: entry point. Dispatches to one small function per subcommand; no logic lives here.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: slotsim <command> [options]\n"
    "\n"
    "slotsim drives appointment-slot booking systems built on \"Redis primary, MySQL\n"
    "fallback, heartbeat polling\" and checks them for double bookings, lost bookings and\n"
    "conflicting holds while Redis fails.\n"
    "\n"
    "commands:\n"
    "  run        run a scenario (scenarios/*.toml) and report; see `slotsim run --help`\n"
    "  validate   check a scenario; print it fully resolved and its load and fault timeline\n"
    "  swarm      run a scenario under many seeds on the sim target; print failing seeds\n"
    "  capacity   find the largest load (clients or arrivals/s) that meets the SLOs\n"
    "  check      recompute the consistency figures from a history.jsonl\n"
    "  proxy      a TCP fault proxy (latency, blackhole, reset, down, bandwidth) before a server\n"
    "  serve      the reference engine over HTTP (heartbeat protocol), /healthz and /metrics\n"
    "  report     redraw report.html, report.md or junit.xml from a summary.json; merge shards\n"
    "  gate       compare a run's summary.json against a baseline; exit 99 on a regression\n"
    "  version    print the version and git commit\n"
    "\n"
    "options:\n"
    "  -h, --help     this text; `slotsim <command> --help` for a command's options\n"
    "  --version      same as `slotsim version`\n"
    "\n"
    "exit codes: 0 ok, 1 runtime failure, 2 bad input, 99 thresholds or gate failed\n";

}  // namespace

int main(int argc, char** argv) {
  slotsim::cli::RememberCommandLine(argc, argv);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return slotsim::cli::kExitBadInput;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return slotsim::cli::kExitOk;
  }
  if (command == "version" || command == "--version")
    return slotsim::cli::RunVersion(argc - 1, argv + 1);
  if (command == "run") return slotsim::cli::RunRun(argc - 1, argv + 1);
  if (command == "validate") return slotsim::cli::RunValidate(argc - 1, argv + 1);
  if (command == "swarm") return slotsim::cli::RunSwarm(argc - 1, argv + 1);
  if (command == "check") return slotsim::cli::RunCheck(argc - 1, argv + 1);
  if (command == "proxy") return slotsim::cli::RunProxy(argc - 1, argv + 1);
  if (command == "serve") return slotsim::cli::RunServe(argc - 1, argv + 1);
  if (command == "report") return slotsim::cli::RunReport(argc - 1, argv + 1);
  if (command == "capacity") return slotsim::cli::RunCapacity(argc - 1, argv + 1);
  if (command == "gate") return slotsim::cli::RunGate(argc - 1, argv + 1);
  std::fprintf(stderr, "slotsim: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return slotsim::cli::kExitBadInput;
}
