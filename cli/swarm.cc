// `slotsim swarm`: the same scenario under many seeds on the sim target; prints each failing
// seed with the one command that replays it.
#include <cstdio>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "reports/report_format.h"
#include "reports/summary.h"
#include "reports/thresholds.h"
#include "simulator/run/run.h"

namespace slotsim::cli {
namespace {

constexpr const char* kSwarmUsage =
    "usage: slotsim swarm SCENARIO [--seeds N] [--first-seed S] [--set KEY=VALUE ...] [--out DIR]\n"
    "\n"
    "Runs SCENARIO on the sim target once per seed (first-seed .. first-seed+N-1). Each seed\n"
    "changes the client mix and every random timing. Prints one line per seed and, for each\n"
    "failing seed, the command that replays it exactly.\n"
    "\n"
    "positional arguments:\n"
    "  SCENARIO              the scenario file (a regular file); its target must be sim\n"
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
           (t.value ? ThresholdValueText(t.metric, *t.value) : std::string("no data")) + ")";
  }
  return out;
}

// Writes a failing seed's summary.json under OUT_DIR/seed-N/.
Status WriteSeedSummary(const std::string& out_dir, uint64_t seed, const nlohmann::json& summary) {
  const std::string dir = out_dir + "/seed-" + std::to_string(seed);
  SLOTSIM_RETURN_IF_ERROR(MakeDirs(dir));
  return WriteSummary(summary, dir + "/summary.json");
}

struct SeedRange {
  uint64_t first = 1;
  uint64_t count = 0;
};

// --first-seed and --seeds: at least one seed, and the last one still a seed.
StatusOr<SeedRange> ReadSeeds(const po::variables_map& vm) {
  constexpr int64_t kMaxSeeds = 1'000'000;
  SLOTSIM_ASSIGN_OR_RETURN(
      const int64_t n, ParseWholeNumber("--seeds", vm["seeds"].as<std::string>(), 1, kMaxSeeds));
  SLOTSIM_ASSIGN_OR_RETURN(const uint64_t first,
                           ParseSeed("--first-seed", vm["first-seed"].as<std::string>()));
  constexpr uint64_t kLastSeed = static_cast<uint64_t>(INT64_MAX);
  if (first > kLastSeed - static_cast<uint64_t>(n - 1)) {
    return Status::InvalidArgument("--first-seed " + std::to_string(first) + " with --seeds " +
                                   std::to_string(n) +
                                   ": the last seed would pass 9223372036854775807 (2^63-1); "
                                   "allowed: --first-seed at most 2^63-1 - (N - 1)");
  }
  return SeedRange{first, static_cast<uint64_t>(n)};
}

void AddSwarmFlags(po::options_description& desc) {
  desc.add_options()("help,h", "this text")(
      "seeds", po::value<std::string>()->default_value("10")->value_name("N"),
      "how many seeds to run, 1 to 1000000")(
      "first-seed", po::value<std::string>()->default_value("1")->value_name("S"),
      "the first seed (0 .. 2^63-1)")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override any scenario key (repeatable), as for `slotsim run` (default: none)")(
      "out", po::value<std::string>()->value_name("DIR"),
      "write each failing seed's summary.json under DIR/seed-N/ (default: write nothing)");
}

}  // namespace

int RunSwarm(int argc, char** argv) {
  po::options_description desc(kSwarmUsage, 100, 50), args;
  args.add_options()("scenario", po::value<std::string>(), "SCENARIO");
  AddSwarmFlags(desc);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseOptions("swarm", argc, argv, desc, args, pos, vm)) return kExitBadInput;
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
  StatusOr<SeedRange> seeds = ReadSeeds(vm);
  if (!seeds.ok()) {
    std::cerr << "slotsim swarm: " << seeds.status().message() << "\n";
    return kExitBadInput;
  }
  const uint64_t first = seeds->first, n = seeds->count;
  SystemClock wall;
  uint64_t failed = 0;
  for (uint64_t k = 0; k < n; ++k) {
    const uint64_t seed = first + k;
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
    SummaryOptions so(path, sets);
    so.command = CommandLine();
    const nlohmann::json summary = SummaryJson(*result, so);
    const std::vector<ThresholdResult> t = EvaluateThresholds(summary, scenario->thresholds);
    if (AllThresholdsPassed(t)) {
      std::printf("seed %llu: ok\n", static_cast<unsigned long long>(seed));
      continue;
    }
    ++failed;
    std::printf("seed %llu: FAILED %s\n  replay: %s\n", static_cast<unsigned long long>(seed),
                FailedList(t).c_str(), ReplayCommand(*result, so).c_str());
    if (vm.count("out")) {  // asked for: not writing it is a failure, not a detail
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
