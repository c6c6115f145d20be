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

}  // namespace slotsim::cli
