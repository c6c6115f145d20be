// `slotsim version`.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/git_commit.h"

namespace slotsim::cli {

int RunVersion(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description desc("usage: slotsim version\n\nPrints the version and git commit");
  desc.add_options()("help,h", "this text");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "slotsim version: %s\n", e.what());
    return kExitBadInput;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  std::printf("slotsim 0.1.0 (%s)\n", GitCommit());
  return kExitOk;
}

}  // namespace slotsim::cli
