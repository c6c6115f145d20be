// Small helpers the subcommands share: option parsing with uniform errors, the scenario
// overrides of the common flags, terminal checks, output directories, the binary's own path.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace slotsim::cli {

namespace po = boost::program_options;

// Parses argv (argv[0] is the subcommand name) into `vm`. On a bad option prints
// "slotsim <command>: <what>" and the usage to stderr and returns false.
bool ParseOptions(const char* command, int argc, char** argv, const po::options_description& desc,
                  const po::positional_options_description& positional, po::variables_map& vm);

// The --set values in the order given (empty without --set).
std::vector<std::string> SetOverrides(const po::variables_map& vm);

// The scenario overrides the convenience flags stand for, in this order: --target, --seed,
// --redis, --mysql (each only when the subcommand has it and it was given), then the --set
// values. URLs are not checked here: the scenario loader validates them and names the key.
std::vector<std::string> ScenarioOverrides(const po::variables_map& vm);

// The flags of a run's target given on the command line that its replay must repeat:
// --redis URL and --mysql URL (each only when the subcommand has it and it was given).
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
