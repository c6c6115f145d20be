// Shared helpers of the subcommands.
#include "cli/cli_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>

#include "simulator/scenario/timeline.h"

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

namespace {

// The digits of `text` as a number, or nullopt (empty, another character, above 2^64 - 1).
std::optional<uint64_t> Digits(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

StatusOr<int64_t> ParseWholeNumber(const std::string& flag, const std::string& text, int64_t min,
                                   int64_t max) {
  const bool negative = !text.empty() && text[0] == '-' && min < 0;
  const std::optional<uint64_t> digits = Digits(negative ? text.substr(1) : text);
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(INT64_MAX);
  if (digits && *digits <= kMaxPositive + (negative ? 1 : 0)) {
    // -(2^63) is the one magnitude that does not fit in int64_t as a positive number.
    const int64_t v = !negative                ? static_cast<int64_t>(*digits)
                      : *digits > kMaxPositive ? INT64_MIN
                                               : -static_cast<int64_t>(*digits);
    if (v >= min && v <= max) return v;
  }
  return Status::InvalidArgument(flag + " " + text + ": allowed: a whole number from " +
                                 std::to_string(min) + " to " + std::to_string(max));
}

StatusOr<uint64_t> ParseSeed(const std::string& flag, const std::string& text) {
  SLOTSIM_ASSIGN_OR_RETURN(const int64_t seed, ParseWholeNumber(flag, text, 0, INT64_MAX));
  return static_cast<uint64_t>(seed);
}

bool ParseOptions(const char* command, int argc, char** argv,
                  const po::options_description& visible,
                  const po::options_description& positional_args,
                  const po::positional_options_description& positional, po::variables_map& vm) {
  po::options_description all;
  all.add(visible).add(positional_args);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::cerr << "slotsim " << command << ": " << e.what() << "\n\n" << visible << "\n";
    return false;
  }
}

std::vector<std::string> SetOverrides(const po::variables_map& vm) {
  return vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

StatusOr<std::vector<std::string>> ScenarioOverrides(const po::variables_map& vm) {
  std::vector<std::string> out;
  if (vm.count("target")) out.push_back("target.kind=\"" + vm["target"].as<std::string>() + "\"");
  if (vm.count("seed")) {
    SLOTSIM_ASSIGN_OR_RETURN(const uint64_t seed,
                             ParseSeed("--seed", vm["seed"].as<std::string>()));
    out.push_back("seed=" + std::to_string(seed));
  }
  if (vm.count("redis")) out.push_back("target.redis=\"" + vm["redis"].as<std::string>() + "\"");
  if (vm.count("mysql")) out.push_back("target.mysql=\"" + vm["mysql"].as<std::string>() + "\"");
  for (const std::string& s : SetOverrides(vm)) out.push_back(s);
  return out;
}

StatusOr<Scenario> LoadScenarioFromFlags(const po::variables_map& vm) {
  SLOTSIM_ASSIGN_OR_RETURN(const std::vector<std::string> overrides, ScenarioOverrides(vm));
  SLOTSIM_ASSIGN_OR_RETURN(Scenario scenario,
                           LoadScenario(vm["scenario"].as<std::string>(), overrides));
  const double factor = TimeScale(vm);
  if (factor == 1.0) return scenario;
  return ScaleTimeline(scenario, factor);
}

double TimeScale(const po::variables_map& vm) {
  return vm.count("time-scale") ? vm["time-scale"].as<double>() : 1.0;
}

std::string ScenarioPlan(const Scenario& scenario) {
  return "# " + scenario.name + ": the resolved scenario (every key; a valid scenario file)\n" +
         scenario.ToToml() + "\n" + ScenarioTimeline(scenario);
}

std::vector<std::string> ReplayFlags(const po::variables_map& vm) {
  std::vector<std::string> out;
  for (const char* flag : {"redis", "mysql"}) {
    if (!vm.count(flag)) continue;
    out.push_back(std::string("--") + flag);
    out.push_back(vm[flag].as<std::string>());
  }
  if (const double factor = TimeScale(vm); factor != 1.0) {
    char text[32] = "1";
    // The shortest form that reads back as the same factor: 0.1, not 0.10000000000000001.
    for (int digits = 1; digits <= 17; ++digits) {
      std::snprintf(text, sizeof text, "%.*g", digits, factor);
      if (std::strtod(text, nullptr) == factor) break;
    }
    out.push_back("--time-scale");
    out.push_back(text);
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
