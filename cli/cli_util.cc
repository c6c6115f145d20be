// Shared helpers of the subcommands.
#include "cli/cli_util.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

namespace slotsim::cli {

bool ParseOptions(const char* command, int argc, char** argv, const po::options_description& desc,
                  const po::positional_options_description& positional, po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(positional).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::cerr << "slotsim " << command << ": " << e.what() << "\n\n" << desc << "\n";
    return false;
  }
}

bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1; }
bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::InvalidArgument("cannot create directory " + dir + ": " + ec.message());
  return Status::Ok();
}

std::string DefaultRunDir(const std::string& scenario_name, Timestamp now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return "runs/" + scenario_name + "-" + buf;
}

}  // namespace slotsim::cli
