// `slotsim gate RUN/summary.json --baseline BASE/summary.json`: fails a CI job when a run
// regressed against a baseline summary (reports/gate.h, docs/ci.md).
#include "reports/gate.h"

#include "reports/gate_setup.h"

#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "reports/summary.h"
#include "reports/summary_fields.h"

namespace slotsim::cli {
namespace {

constexpr const char* kGateUsage =
    "usage: slotsim gate RUN/summary.json --baseline BASE/summary.json [options]\n"
    "\n"
    "Compares a run against a baseline run of the same scenario: latency percentiles per\n"
    "operation (and per storage mode when both have it), error rates, failover detect and\n"
    "recover times, throughput (a drop regresses) and consistency counts (any increase from 0\n"
    "regresses). Prints a before/after table with the ratio and a verdict per metric. A metric\n"
    "regresses when it is worse by more than --max-regression AND by at least its floor\n"
    "(--latency-floor for latencies; 0.1 percentage point for error rates; 1/s for\n"
    "throughput), so tiny baselines do not fail on noise. A metric the run could not fully\n"
    "measure (consistency.measurement, ops.<op>.measurement in summary.json) regresses unless\n"
    "--allow-unmeasured. Before the table it lists every setup difference between the two\n"
    "runs (seed, scenario, target, profile, time scale, shard, each resolved scenario key,\n"
    "commit) and, as --setup says, warns, refuses or says nothing about those that change\n"
    "figures (the commit never counts: it is what a gate compares). See docs/ci.md.\n"
    "\n"
    "positional arguments:\n"
    "  RUN/summary.json      the run's summary (a regular file)\n"
    "\n"
    "exit codes: 0 no regression, 2 bad input (usage, unreadable summary, another schema\n"
    "            version, a bad --max-regression or --metric, or --setup refuse and the\n"
    "            setups differ), 99 a metric regressed (or was not measured)\n"
    "\n"
    "options";

// "scenario (target, seed N, commit C)" for the header lines.
std::string Identity(const nlohmann::json& s) {
  return TextAt(s, "scenario") + " (target " + TextAt(s, "target") + ", seed " + TextAt(s, "seed") +
         ", commit " + TextAt(s, "git_commit") + ")";
}

// Fills the bound, floor and patterns from the command line; false after printing why.
bool ReadGateOptions(const po::variables_map& vm, GateOptions& options) {
  StatusOr<double> bound = ParseMaxRegression(vm["max-regression"].as<std::string>());
  if (!bound.ok()) {
    std::cerr << "slotsim gate: " << bound.status().message() << "\n";
    return false;
  }
  options.max_regression = *bound;
  StatusOr<Micros> floor = ParseDuration(vm["latency-floor"].as<std::string>());
  if (!floor.ok()) {
    std::cerr << "slotsim gate: --latency-floor: " << floor.status().message() << "\n";
    return false;
  }
  options.latency_floor_us = floor->count();
  if (vm.count("metric")) options.patterns = vm["metric"].as<std::vector<std::string>>();
  options.allow_unmeasured = vm["allow-unmeasured"].as<bool>();
  return true;
}

// Prints the setup differences as `policy` says; false when it refuses them.
bool SetupAllows(const std::vector<SetupDifference>& differences, SetupPolicy policy) {
  bool affecting = false;
  for (const SetupDifference& d : differences) affecting = affecting || d.affects_figures;
  if (policy == SetupPolicy::kIgnore || differences.empty()) return true;
  std::cout << SetupDifferencesText(differences) << "\n";
  if (!affecting) return true;
  if (policy == SetupPolicy::kRefuse) {
    std::cerr << "slotsim gate: refusing to compare runs made differently (--setup refuse); "
                 "make the baseline with the run's command, or pass --setup warn\n";
    return false;
  }
  std::cerr << "slotsim gate: warning: the runs were made differently (listed above); the "
               "comparison may not mean what it says\n";
  return true;
}

}  // namespace

int RunGate(int argc, char** argv) {
  po::options_description desc(kGateUsage, 100, 50), args;
  desc.add_options()("help,h", "this text")(
      "baseline", po::value<std::string>()->value_name("FILE"),
      "the baseline's summary.json (required)")(
      "max-regression", po::value<std::string>()->default_value("10%")->value_name("R"),
      "how much worse than the baseline a metric may get: a percentage (10%) or a fraction")(
      "latency-floor", po::value<std::string>()->default_value("1ms")->value_name("D"),
      "latency and failover-time differences smaller than this never fail (e.g. 250us, 0)")(
      "metric", po::value<std::vector<std::string>>()->composing()->value_name("GLOB"),
      "compare only catalogue metrics matching this glob, e.g. 'latency.poll.*' (repeatable; "
      "default: the metrics that matter, docs/ci.md)")(
      "setup", po::value<std::string>()->default_value("warn")->value_name("P"),
      "what to do when the two runs were made differently (seed, scenario settings, ...): "
      "warn | refuse (exit 2) | ignore")(
      "allow-unmeasured", po::bool_switch(),
      "skip metrics the run could not fully measure instead of failing on them");
  args.add_options()("summary", po::value<std::string>(), "RUN/summary.json");
  po::positional_options_description pos;
  pos.add("summary", 1);
  po::variables_map vm;
  if (!ParseOptions("gate", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("summary") || !vm.count("baseline")) {
    std::cerr << "slotsim gate: missing " << (vm.count("summary") ? "--baseline" : "RUN summary")
              << "\n\n"
              << desc << "\n";
    return kExitBadInput;
  }
  GateOptions options;
  if (!ReadGateOptions(vm, options)) return kExitBadInput;
  StatusOr<SetupPolicy> setup = ParseSetupPolicy(vm["setup"].as<std::string>());
  if (!setup.ok()) {
    std::cerr << "slotsim gate: " << setup.status().message() << "\n";
    return kExitBadInput;
  }
  StatusOr<nlohmann::json> run = ReadSummary(vm["summary"].as<std::string>());
  StatusOr<nlohmann::json> baseline = ReadSummary(vm["baseline"].as<std::string>());
  for (const StatusOr<nlohmann::json>* s : {&run, &baseline}) {
    if (s->ok()) continue;
    std::cerr << "slotsim gate: " << s->status().message() << "\n";
    return kExitBadInput;
  }
  StatusOr<GateResult> result = CompareToBaseline(*run, *baseline, options);
  if (!result.ok()) {
    std::cerr << "slotsim gate: " << result.status().message() << "\n";
    return kExitBadInput;
  }
  std::cout << "run:      " << Identity(*run) << "\n"
            << "baseline: " << Identity(*baseline) << "\n\n";
  if (!SetupAllows(SetupDifferences(*run, *baseline), *setup)) return kExitBadInput;
  std::cout << GateTable(*result, options);
  return result->passed() ? kExitOk : kExitThresholds;
}

}  // namespace slotsim::cli
