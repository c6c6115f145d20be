// RunSimScenario: the sim's loop around the run pipeline.
#include "simulator/run/sim_run.h"

#include <malloc.h>

#include "simulator/run/pipeline.h"
#include "simulator/targets/sim/sim_faults.h"
#include "simulator/targets/sim/sim_target.h"

namespace slotsim {
namespace {

// The loop's housekeeping (live clients into the time series, progress) runs once every this
// many events: often enough for a once-a-second progress line at a million events per second,
// rarely enough to cost nothing. Changing it changes the time series' live_clients column.
constexpr uint64_t kHousekeepingEvents = 0x10000;
// Virtual time an answer may take after the end: the sim's slowest modelled call (a MySQL
// write at its deadline) is far below it, so only a bug reaches it.
constexpr Micros kDrainLimit{120'000'000};

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

// Runs events until the pipeline is done (every client stopped and answered, or the drain
// limit passed), even if failover probes are still armed.
void RunLoop(SimClock& clock, RunPipeline& pipeline) {
  while (clock.RunNext()) {
    const Timestamp now = clock.Now();
    pipeline.ObserveLive();
    if (pipeline.Done(now)) break;
    if (clock.events_run() % kHousekeepingEvents != 0) continue;
    pipeline.Housekeep(now);
  }
}

}  // namespace

StatusOr<RunResult> RunSimScenario(const Scenario& scenario, const RunOptions& options) {
  SLOTSIM_RETURN_IF_ERROR(CheckSimFaults(scenario.faults));
  Clock& wall = *options.wall_clock;
  const Timestamp wall_start = wall.Now();

  SimClock clock;
  const Timestamp start = clock.Now();
  const Random root = RootRandom(scenario, options);
  Random target_random = root.Fork(1);
  SimTargetOptions target_options = TargetOptionsFrom(scenario);
  target_options.decorate = options.store_decorator;
  SimTarget target(clock, target_random, std::move(target_options));
  SLOTSIM_RETURN_IF_ERROR(target.Start());

  PipelineOptions po;
  po.target = "sim";
  po.start = start;
  po.drain_limit = kDrainLimit;
  RunPipeline pipeline(scenario, options, po);
  target.failover().SetSwitchListener(
      [&pipeline](const ModeSwitch& sw) { pipeline.recorder().ModeSwitched(sw); });
  SLOTSIM_RETURN_IF_ERROR(pipeline.OpenHistory());
  pipeline.Wire(clock, target, root);
  pipeline.StartLoad();
  ScheduleSimFaults(scenario.faults, start, target, pipeline.recorder());
  pipeline.ArmEnd();
  RunLoop(clock, pipeline);

  StatusOr<RunResult> result = pipeline.Finish([&]() -> StatusOr<FinalState> {
    // The loop is over: free what only it needed (pending events, the clients, the Redis
    // model) before the final phase copies out every booking and the checker settles, so that
    // phase does not set the peak RSS of a long run.
    clock.Clear();
    pipeline.ReleaseClients();
    target.redis().Wipe();
    ReleaseFreedMemory();
    StatusOr<FinalState> bookings = target.FinalBookings();
    target.mysql().Wipe();
    ReleaseFreedMemory();
    return bookings;
  });
  if (!result.ok()) return result;
  const double wall_s = static_cast<double>((wall.Now() - wall_start).count()) / 1e6;
  result->run = RunInfoOf(wall_s, clock.events_run(), pipeline.peak_live());
  return result;
}

}  // namespace slotsim
