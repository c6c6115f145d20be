// RunScenario for the sim target: wires clock, models, engine, clients, load, faults, recorder
// and checker, runs the event loop, and collects the results.
#include "simulator/run.h"

#include <malloc.h>
#include <sys/resource.h>

#include <memory>
#include <optional>

#include "engine/grid.h"
#include "simulator/history_io.h"
#include "simulator/load.h"
#include "simulator/sim_faults.h"
#include "simulator/sim_target.h"

namespace slotsim {
namespace {

// Sends each record to every sink, in order.
class TeeSink final : public HistorySink {
 public:
  void Add(HistorySink* sink) { sinks_.push_back(sink); }
  void Record(const OpRecord& op) override {
    for (HistorySink* s : sinks_) s->Record(op);
  }

 private:
  std::vector<HistorySink*> sinks_;
};

// Counts what the progress line shows.
class ProgressSink final : public HistorySink {
 public:
  void Record(const OpRecord& op) override {
    ++ops;
    if (IsErrorOp(op.outcome, op.code)) ++errors;  // the recorder's rule, so both agree
    mode = op.served_by;
  }
  uint64_t ops = 0, errors = 0;
  StorageMode mode = StorageMode::kRedis;
};

double PeakRssMb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

ClientBehavior BehaviorFrom(const Scenario& s, Timestamp start) {
  ClientBehavior b;
  b.heartbeat = s.engine.heartbeat;
  const int days = std::max(1, std::min(s.clients.days, s.engine.grid.days_ahead));
  for (int d = 1; d <= days; ++d) b.dates.push_back(DateOf(start + std::chrono::hours(24 * d)));
  b.employee_pick = s.clients.employees_pick;
  b.slot_popularity = s.clients.slot_popularity;
  b.browse = s.clients.browse;
  b.think = s.clients.think;
  b.abandon = s.clients.abandon;
  b.reschedule = s.clients.reschedule;
  b.cancel = s.clients.cancel;
  b.retry_on_held = s.clients.retry_on_held;
  b.poll_with_selected_time = s.clients.poll_with_selected_time;
  return b;
}

// The failover windows the checker files conflicts under: each outage from its start until
// the engine is back on Redis, plus one heartbeat for re-asserted holds to settle.
std::vector<FailoverWindow> FailoverWindows(const RunMetrics& m, Timestamp start,
                                            Micros heartbeat) {
  std::vector<FailoverWindow> out;
  for (const OutageMetrics& o : m.outages) {
    Micros end = o.end + heartbeat;
    if (o.recover_ms) end += Micros(*o.recover_ms * 1000);
    out.push_back(FailoverWindow{start + o.start, start + end});
  }
  return out;
}

RunInfo RunInfoOf(double wall_s, uint64_t events, uint64_t peak_live) {
  RunInfo run;
  run.wall_s = wall_s;
  run.events = events;
  run.events_per_s = wall_s > 0 ? static_cast<double>(events) / wall_s : 0;
  run.peak_rss_mb = PeakRssMb();
  run.bytes_per_client =
      peak_live > 0 ? run.peak_rss_mb * 1024 * 1024 / static_cast<double>(peak_live) : 0;
  return run;
}

SimTargetOptions TargetOptionsFrom(const Scenario& s) {
  SimTargetOptions to;
  to.engine = EngineOptions{s.engine.grid, s.engine.policy};
  to.redis_latency = s.sim.redis_latency;
  to.mysql_read_latency = s.sim.mysql_read_latency;
  to.mysql_write_latency = s.sim.mysql_write_latency;
  to.engine_overhead = s.sim.engine_overhead;
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
                 const ProgressSink& progress, const Scenario& scenario,
                 const RunOptions& options) {
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
    if (now >= end && pool.in_flight() == 0) break;
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

}  // namespace

StatusOr<RunResult> RunScenario(const Scenario& scenario, const RunOptions& options) {
  if (scenario.target.kind != "sim") {
    return Status::Unimplemented("target \"" + scenario.target.kind +
                                 "\" is not available yet; this build runs the sim target");
  }
  if (options.wall_clock == nullptr) return Status::InvalidArgument("RunOptions.wall_clock unset");
  SLOTSIM_RETURN_IF_ERROR(CheckSimFaults(scenario.faults));
  Clock& wall = *options.wall_clock;
  const Timestamp wall_start = wall.Now();

  SimClock clock;
  const Timestamp start = clock.Now();
  const Timestamp end = start + scenario.duration;
  Random root(scenario.seed);
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
  pool.emplace(target, client_random, BehaviorFrom(scenario, start), tee,
               static_cast<uint64_t>(scenario.load.max_clients));
  LoadDriver load(scenario.load, scenario, *pool, clock, load_random);
  load.Start(start, scenario.duration);
  ScheduleSimFaults(scenario.faults, start, target, recorder);
  clock.ScheduleAt(end, [&pool] { pool->StopAll(); });
  const uint64_t peak_live = RunLoop(clock, *pool, recorder, progress, scenario, options);

  RunResult result;
  result.scenario = scenario;
  result.target = "sim";
  result.git_commit = SLOTSIM_GIT_COMMIT;
  result.metrics = recorder.Finish(end);
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
  checker.Finish(*final_bookings, end);
  result.consistency = checker.report();
  if (history) {
    history->WriteFinalBookings(*final_bookings, end);
    SLOTSIM_RETURN_IF_ERROR(history->Close());
  }

  const double wall_s = static_cast<double>((wall.Now() - wall_start).count()) / 1e6;
  result.run = RunInfoOf(wall_s, clock.events_run(), peak_live);
  return result;
}

}  // namespace slotsim
