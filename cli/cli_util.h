// Small helpers the subcommands share: option parsing with uniform errors, the scenario
// overrides of the common flags, terminal checks, output directories, the binary's own path.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "simulator/scenario/scenario.h"

namespace slotsim::cli {

namespace po = boost::program_options;

// Parses argv (argv[0] is the subcommand name) into `vm`. On a bad option prints
// "slotsim <command>: <what>" and the usage to stderr and returns false.
bool ParseOptions(const char* command, int argc, char** argv, const po::options_description& desc,
                  const po::positional_options_description& positional, po::variables_map& vm);

// Parses `text`, the value of `flag`, as a whole number from `min` to `max` (decimal digits,
// a leading '-' only where `min` is negative). InvalidArgument otherwise, naming the flag, the
// text and the range: "--seeds -3: allowed: a whole number from 1 to 1000000". Boost's own
// unsigned parsing wraps "-3" around, hence text options and this.
StatusOr<int64_t> ParseWholeNumber(const std::string& flag, const std::string& text, int64_t min,
                                   int64_t max);
// A seed: 0 .. 2^63-1 (9223372036854775807, what a scenario's `seed` takes), digits only.
StatusOr<uint64_t> ParseSeed(const std::string& flag, const std::string& text);

// As above for a subcommand with positional arguments: `visible` is what --help and errors
// print (its caption the man-page-like usage text, which names the positional arguments),
// `positional_args` the options the positional ones are stored in, parsed but never listed as
// "--scenario arg".
bool ParseOptions(const char* command, int argc, char** argv,
                  const po::options_description& visible,
                  const po::options_description& positional_args,
                  const po::positional_options_description& positional, po::variables_map& vm);

// The --set values in the order given (empty without --set).
std::vector<std::string> SetOverrides(const po::variables_map& vm);

// The scenario overrides the convenience flags stand for, in this order: --target, --seed,
// --redis, --mysql (each only when the subcommand has it and it was given), then the --set
// values. URLs are not checked here: the scenario loader validates them and names the key.
// InvalidArgument for a --seed that is not a seed (ParseSeed).
StatusOr<std::vector<std::string>> ScenarioOverrides(const po::variables_map& vm);

// Loads the scenario file vm["scenario"] with ScenarioOverrides(vm) and, when the subcommand
// has --time-scale, scales its timeline (simulator/scenario/timeline.h). InvalidArgument, with
// file:line or the flag, on any bad input.
StatusOr<Scenario> LoadScenarioFromFlags(const po::variables_map& vm);

// The --time-scale factor (1 when the subcommand has none).
double TimeScale(const po::variables_map& vm);

// What `validate` and `run --dry-run` print: the fully resolved scenario as TOML, then its
// timeline of load stages and faults.
std::string ScenarioPlan(const Scenario& scenario);

// The flags of a run's target given on the command line that its replay must repeat:
// --redis URL and --mysql URL (each only when the subcommand has it and it was given), and
// --time-scale F when it is not 1.
std::vector<std::string> ReplayFlags(const po::variables_map& vm);

// The real path of this executable (/proc/self/exe), or "" when it cannot be read; an http
// target with spawn = true launches `slotsim serve` from it.
std::string SelfBinary();

// True when the stream is a terminal (progress lines and colour).
bool StdoutIsTerminal();
bool StderrIsTerminal();

// Creates `dir` and its parents; InvalidArgument naming it on failure.
Status MakeDirs(const std::string& dir);

// "runs/<name>-<YYYYmmdd-HHMMSS>" for a run started at `now` (UTC).
std::string DefaultRunDir(const std::string& scenario_name, Timestamp now);

// Creates a directory no other run uses: `base` itself, or else `base`-2, `base`-3, ... (the
// first that does not exist yet). Each is claimed with one mkdir(2) that fails when the
// directory exists, so two processes never get the same one. Returns the directory created;
// Unavailable when none of the first 10000 could be created.
StatusOr<std::string> CreateUniqueDir(const std::string& base);

// Prepares an explicit output directory `dir` (--out): creates it and its parents and, unless
// `force`, claims `dir`/`file` (e.g. summary.json) by creating it empty with O_EXCL, so that an
// earlier run's results are never silently replaced and two runs never share `dir`.
// InvalidArgument (exit 2) when `dir`/`file` already exists and `force` is false.
Status ClaimOutputDir(const std::string& dir, const std::string& file, bool force);

// The whole command line of this process (argv[0] first), as RememberCommandLine got it;
// empty before. summary.json records it under `command`.
void RememberCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

}  // namespace slotsim::cli
