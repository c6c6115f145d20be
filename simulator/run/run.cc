// RunScenario: checks the shard, slices the scenario for it and dispatches on the target to
// its driver — sim_run.cc for sim, realtime_run.cc with the local or http backend — each of
// which runs the one run pipeline (pipeline.h) in its own loop.
#include "simulator/run/run.h"

#include <memory>

#include "simulator/run/realtime_run.h"
#include "simulator/run/run_support.h"
#include "simulator/run/sim_run.h"
#include "simulator/targets/http/http_backend.h"
#include "simulator/targets/local/local_backend.h"

namespace slotsim {
namespace {

StatusOr<RunResult> RunOnTarget(const Scenario& scenario, const RunOptions& options) {
  if (scenario.target.kind == "local") {
    std::unique_ptr<RealtimeBackend> backend = NewLocalBackend(scenario, options.store_decorator);
    return RunRealtimeScenario(scenario, options, *backend);
  }
  if (scenario.target.kind == "http") {
    SLOTSIM_ASSIGN_OR_RETURN(
        std::unique_ptr<RealtimeBackend> backend,
        NewHttpBackend(scenario, LaunchOptions{options.self_binary, options.keep_servers,
                                               options.server_dir}));
    return RunRealtimeScenario(scenario, options, *backend);
  }
  if (scenario.target.kind != "sim") {
    return Status::Unimplemented("target \"" + scenario.target.kind +
                                 "\" is not available; this build runs sim, local and http");
  }
  return RunSimScenario(scenario, options);
}

}  // namespace

StatusOr<RunResult> RunScenario(const Scenario& scenario, const RunOptions& options) {
  if (options.wall_clock == nullptr) return Status::InvalidArgument("RunOptions.wall_clock unset");
  const int n = options.shard_count, i = options.shard_index;
  if (n < 1 || n > 10'000 || i < 0 || i >= n) {
    return Status::InvalidArgument("shard " + std::to_string(i) + "/" + std::to_string(n) +
                                   ": expected I/N with 1 <= N <= 10000 and 0 <= I < N");
  }
  StatusOr<RunResult> result = RunOnTarget(ShardScenario(scenario, options), options);
  if (result.ok()) {
    result->shard_index = i;
    result->shard_count = n;
  }
  return result;
}

}  // namespace slotsim
