// `slotsim validate SCENARIO`: parses a scenario with every override, prints it fully resolved
// and its timeline, and runs nothing (the same as `slotsim run SCENARIO --dry-run`).
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"

namespace slotsim::cli {
namespace {

constexpr const char* kValidateUsage =
    "usage: slotsim validate SCENARIO [--set KEY=VALUE ...] [options]\n"
    "\n"
    "Parses the scenario file SCENARIO (TOML, docs/scenarios.md) with every --set, --seed,\n"
    "--target and --time-scale applied as `slotsim run` would, prints the fully resolved\n"
    "scenario (every key written out; itself a valid scenario file) and its timeline: the run,\n"
    "each load stage, each fault (start – end, kind) and each abort_on_fail threshold. Starts\n"
    "nothing and writes nothing. `slotsim run SCENARIO --dry-run` prints the same.\n"
    "\n"
    "positional arguments:\n"
    "  SCENARIO              the scenario file (a regular file)\n"
    "\n"
    "exit codes: 0 the scenario is valid, 2 it is not (\"FILE:LINE: what; allowed: ...\") or\n"
    "            an option is bad\n"
    "\n"
    "options";

}  // namespace

int RunValidate(int argc, char** argv) {
  po::options_description desc(kValidateUsage, 100, 50), args;
  args.add_options()("scenario", po::value<std::string>(), "SCENARIO");
  desc.add_options()("help,h", "this text")(
      "target", po::value<std::string>()->value_name("KIND"),
      "override [target] kind: sim | local | http (default: the scenario's)")(
      "seed", po::value<std::string>()->value_name("N"),
      "override the scenario's seed, 0 .. 2^63-1 (default: the scenario's)")(
      "redis", po::value<std::string>()->value_name("URL"),
      "override target.redis, redis://HOST:PORT[/DB] (default: the scenario's)")(
      "mysql", po::value<std::string>()->value_name("URL"),
      "override target.mysql, mysql://USER:PASS@HOST:PORT/DB (default: the scenario's)")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override any scenario key, as for `slotsim run` (repeatable; default: none)")(
      "time-scale", po::value<double>()->default_value(1.0)->value_name("F"),
      "multiply the whole timeline by F, 0 < F <= 1, as for `slotsim run`");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseOptions("validate", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("scenario")) {
    std::cerr << "slotsim validate: missing SCENARIO\n\n" << desc << "\n";
    return kExitBadInput;
  }
  StatusOr<Scenario> scenario = LoadScenarioFromFlags(vm);
  if (!scenario.ok()) {
    std::cerr << "slotsim validate: " << scenario.status().message() << "\n";
    return kExitBadInput;
  }
  std::cout << ScenarioPlan(*scenario);
  return kExitOk;
}

}  // namespace slotsim::cli
