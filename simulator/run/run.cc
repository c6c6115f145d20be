// RunScenario: dispatches on the target; the sim target's run lives here. It wires clock, models,
// engine, clients, load, faults, recorder and checker, runs the event loop, and collects the
// results.
#include "simulator/run/run.h"

#include <malloc.h>

#include <memory>
#include <optional>

#include "common/git_commit.h"
#include "engine/grid.h"
#include "simulator/observe/history_io.h"
#include "simulator/run/realtime_run.h"
#include "simulator/run/run_support.h"
#include "simulator/targets/http/http_backend.h"
#include "simulator/targets/local/local_backend.h"
#include "simulator/targets/sim/sim_faults.h"
#include "simulator/targets/sim/sim_target.h"
#include "simulator/workload/load.h"

namespace slotsim {
namespace {

// How often abort_on_fail thresholds are judged, in run time.
constexpr Micros kAbortCheckInterval{1'000'000};

SimTargetOptions TargetOptionsFrom(const Scenario& s) {
  SimTargetOptions to;
  to.engine = EngineOptions{s.engine.grid, s.engine.policy};
  to.redis_latency = s.sim.redis_latency;
  to.mysql_read_latency = s.sim.mysql_read_latency;
  to.mysql_write_latency = s.sim.mysql_write_latency;
  to.engine_overhead = s.sim.engine_overhead;
  to.redis_servers = s.sim.redis_servers;
  to.mysql_servers = s.sim.mysql_servers;
  return to;
}

// Hands memory that was freed back to the OS (glibc keeps freed chunks inside its heap), so
// the final phase can reuse those pages instead of raising the peak RSS.
void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Runs events until the scenario ends and its in-flight answers drain (bounded: a hung call
// costs at most the longest deadline), then stops even if failover probes are still armed.
// Returns the peak of live clients.
uint64_t RunLoop(SimClock& clock, ClientPool& pool, Recorder& recorder,
                 const ProgressSink& progress, const Scenario& scenario, const RunOptions& options,
                 const AbortWatch& watch) {
  Clock& wall = *options.wall_clock;
  const Timestamp start = clock.Now();
  const Timestamp end = start + scenario.duration;
  const Timestamp drain_limit = end + Micros(120'000'000);
  Timestamp last_progress = wall.Now();
  uint64_t last_ops = 0;
  Timestamp last_sim = start;
  uint64_t peak_live = 0;
  while (clock.RunNext()) {
    const Timestamp now = clock.Now();
    if (pool.live() > peak_live) peak_live = pool.live();
    if ((now >= end || watch.aborted()) && pool.in_flight() == 0) break;
    if (now > drain_limit) break;
    if ((clock.events_run() & 0xFFFF) != 0) continue;
    recorder.ClientsChanged(pool.live(), pool.total());
    const Timestamp w = wall.Now();
    if (!options.progress || w - last_progress < Micros(1'000'000)) continue;
    Progress p;
    p.elapsed = std::min(now, end) - start;
    p.duration = scenario.duration;
    p.live_clients = pool.live();
    const double sim_s = static_cast<double>((now - last_sim).count()) / 1e6;
    p.ops_per_s = sim_s > 0 ? static_cast<double>(progress.ops - last_ops) / sim_s : 0;
    p.errors = progress.errors;
    p.mode = progress.mode;
    options.progress(p);
    last_progress = w;
    last_ops = progress.ops;
    last_sim = now;
  }
  recorder.ClientsChanged(pool.live(), pool.total());
  return peak_live;
}

StatusOr<RunResult> RunSim(const Scenario& scenario, const RunOptions& options);

StatusOr<RunResult> RunOnTarget(const Scenario& scenario, const RunOptions& options) {
  if (scenario.target.kind == "local") {
    std::unique_ptr<RealtimeBackend> backend = NewLocalBackend(scenario);
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
  return RunSim(scenario, options);
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

namespace {

StatusOr<RunResult> RunSim(const Scenario& scenario, const RunOptions& options) {
  SLOTSIM_RETURN_IF_ERROR(CheckSimFaults(scenario.faults));
  Clock& wall = *options.wall_clock;
  const Timestamp wall_start = wall.Now();

  SimClock clock;
  const Timestamp start = clock.Now();
  const Timestamp end = start + scenario.duration;
  Random root = RootRandom(scenario, options);
  Random target_random = root.Fork(1), client_random = root.Fork(2), load_random = root.Fork(3);

  SimTarget target(clock, target_random, TargetOptionsFrom(scenario));
  SLOTSIM_RETURN_IF_ERROR(target.Start());

  Recorder recorder(RecorderOptions{start, scenario.output.timeseries_interval, 3});
  target.failover().SetSwitchListener(
      [&recorder](const ModeSwitch& sw) { recorder.ModeSwitched(sw); });
  CheckerOptions co;
  co.hold_ttl = scenario.engine.policy.hold_ttl;
  Checker checker(co);
  ProgressSink progress;
  TeeSink tee;
  tee.Add(&recorder);
  tee.Add(&checker);
  tee.Add(&progress);
  std::unique_ptr<JsonlHistoryWriter> history;
  if (!options.history_path.empty()) {
    history = std::make_unique<JsonlHistoryWriter>();
    SLOTSIM_RETURN_IF_ERROR(history->Open(options.history_path));
    history->WriteCheckerOptions(co);
    tee.Add(history.get());
  }

  std::optional<ClientPool> pool;
  pool.emplace(target, client_random, BehaviorFrom(scenario, start, options), tee,
               static_cast<uint64_t>(scenario.load.max_clients));
  LoadDriver load(scenario.load, scenario, *pool, clock, load_random);
  load.Start(start, scenario.duration);
  ScheduleSimFaults(scenario.faults, start, target, recorder);
  clock.ScheduleAt(end, [&pool] { pool->StopAll(); });
  AbortWatch watch(scenario, options, "sim");
  std::function<void()> check = [&] {
    if (watch.Check(start, clock.Now(), recorder, checker)) {
      pool->StopAll();
    } else if (clock.Now() + kAbortCheckInterval < end) {
      clock.ScheduleAt(clock.Now() + kAbortCheckInterval, check);
    }
  };
  if (watch.enabled()) clock.ScheduleAt(start + kAbortCheckInterval, check);
  const uint64_t peak_live = RunLoop(clock, *pool, recorder, progress, scenario, options, watch);
  // An aborted run ends where it stopped.
  const Timestamp stop = watch.aborted() ? start + watch.at() : end;

  RunResult result;
  result.scenario = scenario;
  result.target = "sim";
  result.git_commit = GitCommit();
  result.metrics = recorder.Finish(stop);
  result.aborted = watch.reason();
  result.aborted_at = watch.at();
  result.metrics.clients_peak = std::max<uint64_t>(result.metrics.clients_peak, peak_live);
  result.rejected_arrivals = pool->rejected();
  for (const FailoverWindow& w :
       FailoverWindows(result.metrics, start, scenario.engine.heartbeat)) {
    checker.AddFailoverWindow(w.start, w.end);
    if (history) history->WriteFailoverWindow(w);
  }
  // The loop is over: free what only it needed (pending events, the clients, the Redis model)
  // before the final phase copies out every booking and the checker settles, so that phase
  // does not set the peak RSS of a long run.
  clock.Clear();
  pool.reset();
  target.redis().Wipe();
  ReleaseFreedMemory();
  StatusOr<std::vector<Booking>> final_bookings = target.FinalBookings();
  if (!final_bookings.ok()) return final_bookings.status();
  target.mysql().Wipe();
  ReleaseFreedMemory();
  checker.Finish(*final_bookings, stop);
  result.consistency = checker.report();
  if (history) {
    history->WriteFinalBookings(*final_bookings, stop);
    SLOTSIM_RETURN_IF_ERROR(history->Close());
  }

  const double wall_s = static_cast<double>((wall.Now() - wall_start).count()) / 1e6;
  result.run = RunInfoOf(wall_s, clock.events_run(), peak_live);
  return result;
}

}  // namespace

}  // namespace slotsim
