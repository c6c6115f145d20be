// Shared helpers of the subcommands.
#include "cli/cli_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
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

std::vector<std::string> SetOverrides(const po::variables_map& vm) {
  return vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

std::vector<std::string> ScenarioOverrides(const po::variables_map& vm) {
  std::vector<std::string> out;
  if (vm.count("target")) out.push_back("target.kind=\"" + vm["target"].as<std::string>() + "\"");
  if (vm.count("seed")) out.push_back("seed=" + std::to_string(vm["seed"].as<uint64_t>()));
  if (vm.count("redis")) out.push_back("target.redis=\"" + vm["redis"].as<std::string>() + "\"");
  if (vm.count("mysql")) out.push_back("target.mysql=\"" + vm["mysql"].as<std::string>() + "\"");
  for (const std::string& s : SetOverrides(vm)) out.push_back(s);
  return out;
}

std::vector<std::string> ReplayFlags(const po::variables_map& vm) {
  std::vector<std::string> out;
  for (const char* flag : {"redis", "mysql"}) {
    if (!vm.count(flag)) continue;
    out.push_back(std::string("--") + flag);
    out.push_back(vm[flag].as<std::string>());
  }
  return out;
}

std::string SelfBinary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.string();
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

StatusOr<std::string> CreateUniqueDir(const std::string& base) {
  const std::filesystem::path parent = std::filesystem::path(base).parent_path();
  if (!parent.empty()) SLOTSIM_RETURN_IF_ERROR(MakeDirs(parent.string()));
  constexpr int kAttempts = 10'000;
  for (int n = 1; n <= kAttempts; ++n) {
    const std::string dir = n == 1 ? base : base + "-" + std::to_string(n);
    if (mkdir(dir.c_str(), 0777) == 0) return dir;
    if (errno != EEXIST) {
      return Status::Unavailable("cannot create directory " + dir + ": " + std::strerror(errno));
    }
  }
  return Status::Unavailable("cannot create a directory " + base + "[-N]: the first " +
                             std::to_string(kAttempts) + " exist");
}

Status ClaimOutputDir(const std::string& dir, const std::string& file, bool force) {
  SLOTSIM_RETURN_IF_ERROR(MakeDirs(dir));
  if (force) return Status::Ok();
  const std::string path = (std::filesystem::path(dir) / file).string();
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd >= 0) {
    close(fd);
    return Status::Ok();
  }
  if (errno == EEXIST) {
    return Status::InvalidArgument("--out " + dir + ": already holds " + file +
                                   " from an earlier run; allowed: a directory without " + file +
                                   " (omit --out for a new runs/<scenario>-<time>/), or --force "
                                   "to overwrite");
  }
  return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
}

namespace {
std::vector<std::string>& CommandLineStore() {
  static std::vector<std::string> line;
  return line;
}
}  // namespace

void RememberCommandLine(int argc, char** argv) { CommandLineStore().assign(argv, argv + argc); }

const std::vector<std::string>& CommandLine() { return CommandLineStore(); }

}  // namespace slotsim::cli
