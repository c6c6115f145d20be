#include "cli/serve_supervision.h"

#include <string>

#include "cli/cli_util.h"
#include "common/duration.h"

namespace slotsim::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kFlags[] = {"restart-backoff-min", "restart-backoff-max", "max-restarts",
                                  "restart-window"};

StatusOr<Millis> ReadDuration(const po::variables_map& vm, const char* flag, Millis min) {
  const std::string text = vm[flag].as<std::string>();
  StatusOr<Micros> d = ParseDuration(text);
  if (!d.ok())
    return Status::InvalidArgument(std::string("--") + flag + ": " + d.status().message());
  const Millis ms = std::chrono::duration_cast<Millis>(*d);
  if (ms < min) {
    return Status::InvalidArgument(std::string("--") + flag + " \"" + text +
                                   "\": must be at least " + std::to_string(min.count()) + "ms");
  }
  return ms;
}

}  // namespace

void AddSupervisionOptions(po::options_description& desc) {
  desc.add_options()(
      "restart-backoff-min",
      po::value<std::string>()->default_value("250ms")->value_name("DURATION"),
      "--managed: wait before the first restart of a server that exited; doubled per consecutive "
      "failure")("restart-backoff-max",
                 po::value<std::string>()->default_value("30s")->value_name("DURATION"),
                 "--managed: longest wait between restarts")(
      "max-restarts", po::value<std::string>()->default_value("5")->value_name("N"),
      "--managed: restarts allowed per --restart-window; one more exit gives up (0: never "
      "restart)")("restart-window",
                  po::value<std::string>()->default_value("60s")->value_name("DURATION"),
                  "--managed: the window --max-restarts counts in; a server up this long starts "
                  "its backoff over");
}

Status ReadSupervision(const po::variables_map& vm, bool managed, SupervisorOptions& out) {
  for (const char* flag : kFlags) {
    if (!managed && !vm[flag].defaulted()) {
      return Status::InvalidArgument(std::string("--") + flag + " needs --managed");
    }
  }
  SLOTSIM_ASSIGN_OR_RETURN(out.backoff_min, ReadDuration(vm, "restart-backoff-min", Millis(1)));
  SLOTSIM_ASSIGN_OR_RETURN(out.backoff_max, ReadDuration(vm, "restart-backoff-max", Millis(1)));
  if (out.backoff_max < out.backoff_min) {
    return Status::InvalidArgument("--restart-backoff-max must be at least --restart-backoff-min");
  }
  SLOTSIM_ASSIGN_OR_RETURN(out.window, ReadDuration(vm, "restart-window", Millis(1000)));
  SLOTSIM_ASSIGN_OR_RETURN(
      const int64_t n,
      ParseWholeNumber("--max-restarts", vm["max-restarts"].as<std::string>(), 0, 1'000'000));
  out.max_restarts = static_cast<int>(n);
  return Status::Ok();
}

void AddSupervisionReadiness(const Supervisor& supervisor, http::Readiness& r) {
  for (const SupervisedState& s : supervisor.States()) {
    r.backends.emplace_back(s.name, DescribeState(s, supervisor.options()));
    if (s.required && s.phase != SupervisedState::Phase::kRunning) r.ready = false;
  }
}

}  // namespace slotsim::cli
