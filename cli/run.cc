// `slotsim run`: one scenario on one target; writes summary.json, timeseries.csv, report.html,
// report.md and junit.xml, prints the summary table, exits 99 when a threshold fails.
#include "simulator/run/run.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
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
    "usage: slotsim run SCENARIO [options]\n"
    "\n"
    "Runs the scenario file SCENARIO (TOML, see docs/scenarios.md) and writes summary.json,\n"
    "report.html, report.md, junit.xml, timeseries.csv (and history.jsonl with --history) to\n"
    "the output directory (docs/reports.md). Prints a\n"
    "summary table; shows a progress line while running when stderr is a terminal.\n"
    "\n"
    "targets: sim (default: in process, virtual time), local (real redis-server and mariadbd,\n"
    "launched on free loopback ports unless --redis / --mysql are given; Ctrl-C stops the run\n"
    "and the servers). See docs/local.md. http (a server speaking the heartbeat protocol at\n"
    "[target] url, or with spawn = true a `slotsim serve` it launches). See docs/http.md.\n"
    "\n"
    "exit codes: 0 all thresholds passed, 1 runtime failure, 2 bad input (usage, scenario),\n"
    "            99 a threshold failed, 130 / 143 interrupted (SIGINT / SIGTERM)\n"
    "\n"
    "options";

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
  desc.add_options()("help,h", "this text")("scenario", po::value<std::string>(),
                                            "the scenario file (positional)")(
      "target", po::value<std::string>(), "override [target] kind: sim | local | http")(
      "seed", po::value<uint64_t>(), "override the scenario's seed")(
      "redis", po::value<std::string>(),
      "local: use this Redis (redis://HOST:PORT[/DB]) instead of launching one")(
      "mysql", po::value<std::string>(),
      "local: use this MariaDB/MySQL (mysql://USER:PASS@HOST:PORT/DB) instead of launching one")(
      "shard", po::value<std::string>(),
      "run slice I of N of the clients (I from 0), e.g. --shard 2/8; merge the N summaries "
      "with `slotsim report merge` (docs/distributed.md)")(
      "keep", po::bool_switch(),
      "local: keep the launched servers' temp dirs (data and logs) after the run")(
      "out", po::value<std::string>(),
      "output directory (default runs/<scenario>-<UTC time>/, with -2, -3, ... appended when "
      "that exists); refused when it already holds a summary.json, unless --force")(
      "force", po::bool_switch(), "let --out overwrite an earlier run's files")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override any scenario key, e.g. --set engine.profile=legacy --set duration=2m "
      "(repeatable; values are TOML)")("history", po::bool_switch(),
                                       "also write history.jsonl (every operation)")(
      "no-progress", po::bool_switch(), "no live progress line")(
      "quiet,q", po::bool_switch(), "print only the output path and threshold failures");
}

void PrintRunHeader(const Scenario& scenario) {
  std::printf("slotsim run %s: target %s, profile %s, seed %llu, commit %s\n",
              scenario.name.c_str(), scenario.target.kind.c_str(), scenario.engine.profile.c_str(),
              static_cast<unsigned long long>(scenario.seed), GitCommit());
  std::fflush(stdout);
}

// Fills `options` from the command line: wall clock, servers, shard, hooks, history and
// progress; installs the termination handlers a real target needs. False (after saying why)
// for a bad --shard.
bool ConfigureRun(const po::variables_map& vm, const Scenario& scenario, const std::string& out,
                  bool quiet, SystemClock& wall, RunOptions& options) {
  options.wall_clock = &wall;
  options.keep_servers = vm["keep"].as<bool>();
  if (vm.count("shard")) {
    if (!ParseShard(vm["shard"].as<std::string>(), options.shard_index, options.shard_count)) {
      std::cerr << "slotsim run: --shard \"" << vm["shard"].as<std::string>()
                << "\": expected I/N with 1 <= N <= 10000 and 0 <= I < N, e.g. 0/4\n";
      return false;
    }
  }
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
  return true;
}

// Writes the run's files into `out`, prints the verdict and returns the exit code.
int ReportRun(const po::variables_map& vm, const std::string& path, const std::string& out,
              const Scenario& scenario, const RunResult& result, bool quiet) {
  SummaryOptions so;
  so.scenario_path = path;
  so.overrides = SetOverrides(vm);
  so.command = CommandLine();
  so.replay_flags = ReplayFlags(vm);
  const nlohmann::json summary = SummaryJson(result, so);
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
  if (!result.aborted.empty()) std::cout << "stopped early: " << result.aborted << "\n";
  if (quiet) {
    for (const ThresholdResult& t : thresholds) {
      if (!t.ok) std::cout << "threshold failed: " << t.metric << " " << t.condition << "\n";
    }
  } else {
    std::cout << ConsoleSummary(summary, StdoutIsTerminal());
  }
  std::cout << "summary: " << out << "/summary.json\n"
            << "report:  " << out << "/report.html\n";
  return passed ? kExitOk : kExitThresholds;
}

}  // namespace

int RunRun(int argc, char** argv) {
  po::options_description desc(kRunUsage);
  AddRunFlags(desc);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseOptions("run", argc, argv, desc, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("scenario")) {
    std::cerr << "slotsim run: missing SCENARIO\n\n" << desc << "\n";
    return kExitBadInput;
  }
  const std::string path = vm["scenario"].as<std::string>();
  const std::vector<std::string> overrides = ScenarioOverrides(vm);
  StatusOr<Scenario> scenario = LoadScenario(path, overrides);
  if (!scenario.ok()) {
    std::cerr << "slotsim run: " << scenario.status().message() << "\n";
    return kExitBadInput;
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
  if (!ConfigureRun(vm, *scenario, out, quiet, wall, options)) return kExitBadInput;
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  if (options.progress) std::fprintf(stderr, "\r\033[K");
  if (!result.ok()) {
    ReleaseClaim(out);
    std::cerr << "slotsim run: " << result.status().ToString() << "\n";
    if (int sig = ChildRegistry::TerminationSignal()) return ChildRegistry::ExitCodeFor(sig);
    return result.status().code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  return ReportRun(vm, path, out, *scenario, *result, quiet);
}

}  // namespace slotsim::cli
