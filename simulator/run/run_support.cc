// Shared pieces of the sim and local runs.
#include "simulator/run/run_support.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>

#include "common/git_commit.h"
#include "engine/grid.h"

namespace slotsim {

double PeakRssMb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

ClientBehavior BehaviorFrom(const Scenario& s, Timestamp start, const RunOptions& options) {
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
  b.adversary_share = s.adversaries.share;
  const auto has = [&](std::string_view name) {
    return std::find(s.adversaries.behaviors.begin(), s.adversaries.behaviors.end(), name) !=
           s.adversaries.behaviors.end();
  };
  b.release_foreign = has("release_foreign");
  b.cancel_foreign = has("cancel_foreign");
  b.adversary_attempts = s.adversaries.attempts;
  if (options.shard_count > 1) b.id_prefix = "s" + std::to_string(options.shard_index) + "c";
  return b;
}

Random RootRandom(const Scenario& s, const RunOptions& options) {
  Random root(s.seed);
  if (options.shard_count <= 1) return root;
  return root.Fork(1000 + static_cast<uint64_t>(options.shard_index));
}

Scenario ShardScenario(const Scenario& s, const RunOptions& options) {
  Scenario out = s;
  const int n = options.shard_count, i = options.shard_index;
  if (n <= 1) return out;
  for (LoadStage& stage : out.load.stages) {
    if (s.load.model == "closed") {
      const int64_t total = std::llround(stage.target);
      stage.target = static_cast<double>(total / n + (i < total % n ? 1 : 0));
    } else {
      stage.target /= n;
    }
  }
  return out;
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
  // The engine's own failovers too: on a real target a Redis call can miss its deadline
  // without any injected fault (a loaded machine), and the switch it causes has the same
  // legitimate transition conflicts. Each runs from the switch to MySQL until the switch back
  // (or the run's end) plus the settle time.
  const Timestamp run_end = start + m.duration;
  for (size_t i = 0; i < m.switches.size(); ++i) {
    if (m.switches[i].to != StorageMode::kMySql) continue;
    Timestamp back = run_end;
    for (size_t j = i + 1; j < m.switches.size(); ++j) {
      if (m.switches[j].to != StorageMode::kMySql) {
        back = m.switches[j].at;
        break;
      }
    }
    out.push_back(FailoverWindow{m.switches[i].at, back + heartbeat});
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

RunResult LiveResult(const Scenario& scenario, const std::string& target, Timestamp now,
                     const Recorder& recorder, const Checker& checker) {
  RunResult live;
  live.scenario = scenario;
  live.target = target;
  live.git_commit = GitCommit();
  Recorder copy = recorder;  // Finish() spends a recorder; the run goes on with the original
  live.metrics = copy.Finish(now);
  live.consistency = checker.report();
  return live;
}

AbortWatch::AbortWatch(const Scenario& scenario, const RunOptions& options, std::string target)
    : scenario_(scenario), options_(options), target_(std::move(target)) {
  for (const Threshold& t : scenario.thresholds) enabled_ = enabled_ || t.abort_on_fail;
  enabled_ = enabled_ && options.abort_check != nullptr;
}

bool AbortWatch::Check(Timestamp start, Timestamp now, const Recorder& recorder,
                       const Checker& checker) {
  if (!enabled_ || aborted()) return aborted();
  const RunResult live = LiveResult(scenario_, target_, now, recorder, checker);
  std::string reason = options_.abort_check(live, now - start);
  if (reason.empty()) return false;
  reason_ = std::move(reason);
  at_ = now - start;
  return true;
}

double CpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

}  // namespace slotsim
