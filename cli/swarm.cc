// `slotsim swarm`: the same scenario under many seeds on the sim target; prints each failing
// seed with the one command that replays it.
#include <cstdio>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "reports/summary.h"
#include "reports/thresholds.h"
#include "simulator/run/run.h"

namespace slotsim::cli {
namespace {

constexpr const char* kSwarmUsage =
    "usage: slotsim swarm SCENARIO --seeds N [options]\n"
    "\n"
    "Runs SCENARIO on the sim target once per seed (first-seed .. first-seed+N-1). Each seed\n"
    "changes the client mix and every random timing. Prints one line per seed and, for each\n"
    "failing seed, the command that replays it exactly.\n"
    "\n"
    "exit codes: 0 every seed passed, 1 runtime failure, 2 bad input, 99 a seed failed\n"
    "\n"
    "options";

std::string FailedList(const std::vector<ThresholdResult>& results) {
  std::string out;
  for (const ThresholdResult& t : results) {
    if (t.ok) continue;
    if (!out.empty()) out += "; ";
    out += t.metric + " " + t.condition + " (got " +
           (t.value ? std::to_string(*t.value) : std::string("no data")) + ")";
  }
  return out;
}

// Writes a failing seed's summary.json under OUT_DIR/seed-N/.
Status WriteSeedSummary(const std::string& out_dir, uint64_t seed, const nlohmann::json& summary) {
  const std::string dir = out_dir + "/seed-" + std::to_string(seed);
  SLOTSIM_RETURN_IF_ERROR(MakeDirs(dir));
  return WriteSummary(summary, dir + "/summary.json");
}

}  // namespace

int RunSwarm(int argc, char** argv) {
  po::options_description desc(kSwarmUsage);
  desc.add_options()("help,h", "this text")("scenario", po::value<std::string>(),
                                            "the scenario file (positional)")(
      "seeds", po::value<uint64_t>()->default_value(10), "how many seeds to run")(
      "first-seed", po::value<uint64_t>()->default_value(1), "the first seed")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override any scenario key (repeatable), as for `slotsim run`")(
      "out", po::value<std::string>(), "write each failing seed's summary.json under DIR/seed-N/");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseOptions("swarm", argc, argv, desc, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("scenario")) {
    std::cerr << "slotsim swarm: missing SCENARIO\n\n" << desc << "\n";
    return kExitBadInput;
  }
  const std::string path = vm["scenario"].as<std::string>();
  const std::vector<std::string> sets = SetOverrides(vm);
  const uint64_t first = vm["first-seed"].as<uint64_t>(), n = vm["seeds"].as<uint64_t>();
  SystemClock wall;
  uint64_t failed = 0;
  for (uint64_t seed = first; seed < first + n; ++seed) {
    std::vector<std::string> overrides = sets;
    overrides.push_back("seed=" + std::to_string(seed));
    StatusOr<Scenario> scenario = LoadScenario(path, overrides);
    if (!scenario.ok()) {
      std::cerr << "slotsim swarm: " << scenario.status().message() << "\n";
      return kExitBadInput;
    }
    if (scenario->target.kind != "sim") {
      std::cerr << "slotsim swarm: seeds replay only on the sim target (scenario has target "
                << scenario->target.kind << ")\n";
      return kExitBadInput;
    }
    RunOptions options;
    options.wall_clock = &wall;
    StatusOr<RunResult> result = RunScenario(*scenario, options);
    if (!result.ok()) {
      std::cerr << "slotsim swarm: seed " << seed << ": " << result.status().ToString() << "\n";
      return kExitRuntime;
    }
    SummaryOptions so{path, sets, CommandLine()};
    const nlohmann::json summary = SummaryJson(*result, so);
    const std::vector<ThresholdResult> t = EvaluateThresholds(summary, scenario->thresholds);
    if (AllThresholdsPassed(t)) {
      std::printf("seed %llu: ok\n", static_cast<unsigned long long>(seed));
      continue;
    }
    ++failed;
    std::printf("seed %llu: FAILED %s\n  replay: %s\n", static_cast<unsigned long long>(seed),
                FailedList(t).c_str(), ReplayCommand(*result, so).c_str());
    if (vm.count("out")) {
      // The failing seed's summary was asked for: not writing it is a failure, not a detail.
      const Status written = WriteSeedSummary(vm["out"].as<std::string>(), seed, summary);
      if (!written.ok()) {
        std::cerr << "slotsim swarm: seed " << seed << ": " << written.ToString() << "\n";
        return kExitRuntime;
      }
    }
    std::fflush(stdout);
  }
  std::printf("%llu of %llu seeds failed\n", static_cast<unsigned long long>(failed),
              static_cast<unsigned long long>(n));
  return failed == 0 ? kExitOk : kExitThresholds;
}

}  // namespace slotsim::cli
