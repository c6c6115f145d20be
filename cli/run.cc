// `slotsim run`: one scenario on one target; writes summary.json, timeseries.csv, report.html,
// report.md and junit.xml, prints the summary table, exits 99 when a threshold fails.
#include "simulator/run/run.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/dashboard.h"
#include "common/duration.h"
#include "common/git_commit.h"
#include "procs/child_registry.h"
#include "reports/abort_check.h"
#include "reports/console.h"
#include "reports/run_reports.h"
#include "reports/summary.h"
#include "reports/thresholds.h"
#include "reports/timeseries_csv.h"

namespace slotsim::cli {
namespace {

constexpr const char* kRunUsage =
    "usage: slotsim run SCENARIO [--target KIND] [--seed N] [--set KEY=VALUE ...] [--out DIR]\n"
    "                   [--time-scale F] [--shard I/N] [--dry-run] [options]\n"
    "\n"
    "Runs the scenario file SCENARIO (TOML, see docs/scenarios.md) and writes summary.json,\n"
    "report.html, report.md, junit.xml, timeseries.csv (and history.jsonl with --history) to\n"
    "the output directory (docs/reports.md). Prints a summary table; shows a progress line\n"
    "while running when stderr is a terminal. Every argument is checked before anything\n"
    "starts (docs/cli.md).\n"
    "\n"
    "positional arguments:\n"
    "  SCENARIO              the scenario file (a regular file), e.g. scenarios/redis-outage.toml\n"
    "\n"
    "targets: sim (default: in process, virtual time), local (real redis-server and mariadbd,\n"
    "launched on free loopback ports unless --redis / --mysql are given; Ctrl-C stops the run\n"
    "and the servers). See docs/local.md. http (a server speaking the heartbeat protocol at\n"
    "[target] url, or with spawn = true a `slotsim serve` it launches). See docs/http.md.\n"
    "\n"
    "exit codes: 0 all thresholds passed, 1 runtime failure, 2 bad input (usage, scenario),\n"
    "            99 a threshold failed, 130 / 143 interrupted (SIGINT / SIGTERM)\n"
    "\n"
    "Switches (options without a value) are off unless given.\n"
    "\n"
    "options";

// Everything `run` takes from its command line, checked before anything starts.
struct RunInputs {
  std::string path;   // the scenario file
  Scenario scenario;  // with every override applied
  int shard_index = 0;
  int shard_count = 1;
  LiveViewFlags live;  // --dashboard, --metrics-listen
};

// "I/N" with 0 <= I < N <= 10000.
bool ParseShard(const std::string& text, int& index, int& count) {
  int i = -1, n = 0, used = 0;
  if (std::sscanf(text.c_str(), "%d/%d%n", &i, &n, &used) != 2) return false;
  if (used != static_cast<int>(text.size()) || n < 1 || n > 10'000 || i < 0 || i >= n) {
    return false;
  }
  index = i;
  count = n;
  return true;
}

// Loads the scenario with every override and checks every other flag. InvalidArgument saying
// what is allowed on any bad input; nothing has been created or started yet.
StatusOr<RunInputs> ReadRunInputs(const po::variables_map& vm) {
  RunInputs in;
  if (vm.count("shard") &&
      !ParseShard(vm["shard"].as<std::string>(), in.shard_index, in.shard_count)) {
    return Status::InvalidArgument("--shard " + vm["shard"].as<std::string>() +
                                   ": allowed: I/N with 1 <= N <= 10000 and 0 <= I < N, e.g. 0/4");
  }
  auto text = [&vm](const char* flag) -> std::optional<std::string> {
    if (!vm.count(flag)) return std::nullopt;
    return vm[flag].as<std::string>();
  };
  SLOTSIM_ASSIGN_OR_RETURN(in.live, ParseLiveViewFlags(text("dashboard"), text("metrics-listen"),
                                                       vm["listen-any"].as<bool>()));
  in.path = vm["scenario"].as<std::string>();
  SLOTSIM_ASSIGN_OR_RETURN(in.scenario, LoadScenarioFromFlags(vm));
  return in;
}

// The run's own directory: --out DIR (claimed: refused when it holds an earlier run's
// summary.json, unless --force), else a new runs/<scenario>-<time>[-N]/ no other run uses.
StatusOr<std::string> OutputDir(const po::variables_map& vm, const std::string& name,
                                Timestamp now) {
  if (!vm.count("out")) return CreateUniqueDir(DefaultRunDir(name, now));
  const std::string out = vm["out"].as<std::string>();
  SLOTSIM_RETURN_IF_ERROR(ClaimOutputDir(out, "summary.json", vm["force"].as<bool>()));
  return out;
}

// A run that wrote nothing gives its claim on --out back: the empty summary.json goes.
void ReleaseClaim(const std::string& out) {
  std::error_code ec;
  const std::filesystem::path claim = std::filesystem::path(out) / "summary.json";
  if (std::filesystem::file_size(claim, ec) == 0 && !ec) std::filesystem::remove(claim, ec);
}

void ShowProgress(const Progress& p) {
  std::fprintf(stderr, "\r%s\033[K", ProgressLine(p).c_str());
  std::fflush(stderr);
}

// The flags of `slotsim run`, each with its help line.
void AddRunFlags(po::options_description& desc) {
  desc.add_options()("help,h", "this text")(
      "target", po::value<std::string>()->value_name("KIND"),
      "override [target] kind: sim | local | http (default: the scenario's)")(
      "seed", po::value<std::string>()->value_name("N"),
      "override the scenario's seed, 0 .. 2^63-1 (default: the scenario's)")(
      "redis", po::value<std::string>()->value_name("URL"),
      "local: use this Redis (redis://HOST:PORT[/DB]) instead of launching one (default: "
      "launch one)")(
      "mysql", po::value<std::string>()->value_name("URL"),
      "local: use this MariaDB/MySQL (mysql://USER:PASS@HOST:PORT/DB) instead of launching one "
      "(default: launch one)")(
      "shard", po::value<std::string>()->value_name("I/N"),
      "run slice I of N of the clients (I from 0), e.g. --shard 2/8; merge the N summaries "
      "with `slotsim report merge` (docs/distributed.md) (default: all clients, 0/1)")(
      "keep", po::bool_switch(),
      "local: keep the launched servers' temp dirs (data and logs) after the run")(
      "out", po::value<std::string>()->value_name("DIR"),
      "output directory (default runs/<scenario>-<UTC time>/, with -2, -3, ... appended when "
      "that exists); refused when it already holds a summary.json, unless --force")(
      "force", po::bool_switch(), "let --out overwrite an earlier run's files")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override any scenario key, e.g. --set engine.profile=legacy --set duration=2m "
      "(repeatable; values are TOML; default: none)")("history", po::bool_switch(),
                                                      "also write history.jsonl (every operation)")(
      "time-scale", po::value<double>()->default_value(1.0)->value_name("F"),
      "multiply the whole timeline by F, 0 < F <= 1: duration, load stages, faults' at / for / "
      "down / up, thresholds' grace (e.g. 0.1 tries a 10-minute scenario in one)")(
      "dry-run", po::bool_switch(),
      "print the resolved scenario and its timeline, as `slotsim validate` does; run nothing")(
      "no-progress", po::bool_switch(), "no live progress line")(
      "dashboard", po::value<std::string>()->value_name("HOST:PORT"),
      "serve a live page of the run (updated each second) at http://HOST:PORT/, loopback only "
      "unless --listen-any; PORT 0 picks a free one (docs/dashboard.md) (default: none)")(
      "metrics-listen", po::value<std::string>()->value_name("HOST:PORT"),
      "serve the run's figures in Prometheus text format at http://HOST:PORT/metrics, "
      "loopback only unless --listen-any (default: none)")(
      "listen-any", po::bool_switch(),
      "let --dashboard / --metrics-listen listen on a non-loopback address (they have no "
      "authentication)")("quiet,q", po::bool_switch(),
                         "print only the output path and threshold failures");
}

void PrintRunHeader(const Scenario& scenario) {
  std::printf("slotsim run %s: target %s, profile %s, seed %llu, commit %s, duration %s\n",
              scenario.name.c_str(), scenario.target.kind.c_str(), scenario.engine.profile.c_str(),
              static_cast<unsigned long long>(scenario.seed), GitCommit(),
              FormatDuration(scenario.duration).c_str());
  std::fflush(stdout);
}

// Fills `options` from the command line: wall clock, servers, shard, hooks, history and
// progress; installs the termination handlers a real target needs.
void ConfigureRun(const po::variables_map& vm, const RunInputs& in, const std::string& out,
                  bool quiet, SystemClock& wall, RunOptions& options) {
  const Scenario& scenario = in.scenario;
  options.wall_clock = &wall;
  options.keep_servers = vm["keep"].as<bool>();
  options.shard_index = in.shard_index;
  options.shard_count = in.shard_count;
  options.self_binary = SelfBinary();  // http spawn = true launches `slotsim serve` from it
  options.abort_check = MakeAbortCheck();
  const bool tty = StderrIsTerminal();
  options.note = [quiet, tty](const std::string& line) {
    // On a terminal, first clear the progress line the note would otherwise run into.
    if (!quiet) std::fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", line.c_str());
  };
  // Real targets own child processes: a Ctrl-C kills them at once and the run tears down.
  if (scenario.target.kind != "sim") {
    ChildRegistry::InstallTerminationHandlers(ChildRegistry::OnSignal::kFlag);
  }
  if (vm["history"].as<bool>() || scenario.output.history) {
    options.history_path = out + "/history.jsonl";
  }
  const bool progress = !vm["no-progress"].as<bool>() && tty;
  if (progress) options.progress = ShowProgress;
}

// Writes the run's files into `out`, prints the verdict and returns the exit code.
int ReportRun(const po::variables_map& vm, const std::string& path, const std::string& out,
              const Scenario& scenario, const RunResult& result, bool quiet, LiveServer& live) {
  SummaryOptions so;
  so.scenario_path = path;
  so.overrides = SetOverrides(vm);
  so.command = CommandLine();
  so.replay_flags = ReplayFlags(vm);
  so.time_scale = TimeScale(vm);
  const nlohmann::json summary = SummaryJson(result, so);
  PublishFinal(live, summary);
  Status written = WriteSummary(summary, out + "/summary.json");
  if (written.ok()) written = WriteTimeseriesCsv(result.metrics, out + "/timeseries.csv");
  if (written.ok()) written = WriteRunReports(summary, out);
  if (!written.ok()) {
    std::cerr << "slotsim run: " << written.ToString() << "\n";
    return kExitRuntime;
  }
  const std::vector<ThresholdResult> thresholds = EvaluateThresholds(summary, scenario.thresholds);
  // A run an abort_on_fail threshold stopped has failed, whatever its shortened figures say.
  const bool passed = AllThresholdsPassed(thresholds) && result.aborted.empty();
  if (quiet) {
    for (const ThresholdResult& t : thresholds) {
      if (!t.ok) std::cout << "threshold failed: " << t.metric << " " << t.condition << "\n";
    }
  } else {
    std::cout << ConsoleBody(summary, StdoutIsTerminal());
  }
  std::cout << "summary: " << out << "/summary.json\n"
            << "report:  " << out << "/report.html\n"
            << VerdictLine(thresholds, result.aborted, StdoutIsTerminal());
  return passed ? kExitOk : kExitThresholds;
}

}  // namespace

int RunRun(int argc, char** argv) {
  po::options_description desc(kRunUsage, 100, 50), args;
  AddRunFlags(desc);
  args.add_options()("scenario", po::value<std::string>(), "SCENARIO");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseOptions("run", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("scenario")) {
    std::cerr << "slotsim run: missing SCENARIO\n\n" << desc << "\n";
    return kExitBadInput;
  }
  StatusOr<RunInputs> in = ReadRunInputs(vm);
  if (!in.ok()) {
    std::cerr << "slotsim run: " << in.status().message() << "\n";
    return kExitBadInput;
  }
  const Scenario* scenario = &in->scenario;
  if (vm["dry-run"].as<bool>()) {
    std::cout << ScenarioPlan(*scenario);
    return kExitOk;
  }
  SystemClock wall;
  StatusOr<std::string> out_dir = OutputDir(vm, scenario->name, wall.Now());
  if (!out_dir.ok()) {
    std::cerr << "slotsim run: " << out_dir.status().message() << "\n";
    return out_dir.status().code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  const std::string out = *out_dir;
  const bool quiet = vm["quiet"].as<bool>();
  if (!quiet) PrintRunHeader(*scenario);
  RunOptions options;
  ConfigureRun(vm, *in, out, quiet, wall, options);
  LiveServer live;
  if (Status s = AttachLiveView(in->live, live, options); !s.ok()) {
    ReleaseClaim(out);
    std::cerr << "slotsim run: " << s.message() << "\n";
    return kExitRuntime;
  }
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  if (options.progress) std::fprintf(stderr, "\r\033[K");
  if (!result.ok()) {
    ReleaseClaim(out);
    std::cerr << "slotsim run: " << result.status().ToString() << "\n";
    if (int sig = ChildRegistry::TerminationSignal()) return ChildRegistry::ExitCodeFor(sig);
    return result.status().code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  return ReportRun(vm, in->path, out, *scenario, *result, quiet, live);
}

}  // namespace slotsim::cli
