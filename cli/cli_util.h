// Small helpers the subcommands share: option parsing with uniform errors, terminal checks,
// output directories.
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

// True when the stream is a terminal (progress lines and colour).
bool StdoutIsTerminal();
bool StderrIsTerminal();

// Creates `dir` and its parents; InvalidArgument naming it on failure.
Status MakeDirs(const std::string& dir);

// "runs/<name>-<YYYYmmdd-HHMMSS>" for a run started at `now` (UTC).
std::string DefaultRunDir(const std::string& scenario_name, Timestamp now);

}  // namespace slotsim::cli
