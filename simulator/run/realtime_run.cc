// RunRealtimeScenario: servers, backend, workers, clients and faults on wall-clock time.
#include "simulator/run/realtime_run.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "procs/child_registry.h"
#include "procs/fault_proxy.h"
#include "procs/managed_servers.h"
#include "simulator/run/pipeline.h"
#include "simulator/run/run_support.h"
#include "simulator/targets/realtime/local_faults.h"
#include "simulator/targets/realtime/realtime_loop.h"
#include "simulator/targets/realtime/realtime_target.h"

namespace slotsim {
namespace {

// The loop's housekeeping (live clients, progress, the end of the drain) runs this often, in
// wall time; the end of the run and the abort checks are events of their own.
constexpr Micros kTick{100'000};
// After the end, answers may drain for this long on top of the Redis deadline: a hung call
// costs at most the Redis deadline plus a MySQL call at its read timeout.
constexpr Micros kDrainBeyondRedisDeadline{15'000'000};
// The clients' first timers are armed this far ahead of the run's start, so they are not late.
constexpr Micros kStartLead{200'000};
// How often the main thread looks for a signal while it waits.
constexpr Millis kWatchInterval{20};

// Fault moments, posted to the loop thread where the recorder lives.
class PostingTimeline final : public FaultTimeline {
 public:
  PostingTimeline(RealtimeLoop& loop, Recorder& recorder) : loop_(loop), recorder_(recorder) {}
  // The posted tasks capture the recorder, not this timeline, which may be gone when they run.
  void Started(const std::string& kind, Timestamp at) override {
    loop_.Post([rec = &recorder_, kind, at] { rec->FaultStarted(kind, at); });
  }
  void Ended(Timestamp at) override {
    loop_.Post([rec = &recorder_, at] { rec->FaultEnded(at); });
  }

 private:
  RealtimeLoop& loop_;
  Recorder& recorder_;
};

std::string Interrupted(int sig) {
  return "interrupted by signal " + std::to_string(sig) + "; servers stopped";
}

// One real-time run. Members are declared in teardown order reversed: the servers outlive the
// workers, which outlive the clients. The backend (the caller's) outlives the run.
class RealtimeRun {
 public:
  RealtimeRun(const Scenario& scenario, const RunOptions& options, RealtimeBackend& backend)
      : sc_(scenario), options_(options), wall_(*options.wall_clock), backend_(backend) {}

  StatusOr<RunResult> Run();

 private:
  void Note(const std::string& line) const {
    if (options_.note) options_.note(line);
  }
  Status StartServers();
  Status StartProxies();
  // Builds the pipeline, the workers and the clients for a run starting at start_.
  Status Wire();
  // Loop thread: starts the load, the end of the run and the ticker.
  void Begin();
  void OnTick();
  // Main thread: fault steps at their times, then waits for the loop. Returns the first
  // failed step's error, or the interruption.
  Status Supervise();
  // Sleeps until `t` or until the run is over or interrupted; false then.
  bool WaitUntil(Timestamp t);
  StatusOr<FinalState> FinalBookings();
  // One line on the harness's own load: its CPU and scheduler lateness.
  void NoteHarness(const RunInfo& run) const;
  // The run's results; `wall_start` is when the run began (servers included).
  StatusOr<RunResult> Collect(Timestamp wall_start, double cpu_s);

  const Scenario& sc_;
  const RunOptions& options_;
  Clock& wall_;
  RealtimeBackend& backend_;

  std::unique_ptr<ManagedMariaDb> mysql_server_;
  std::unique_ptr<ManagedRedis> redis_server_;
  std::unique_ptr<FaultProxy> redis_proxy_, mysql_proxy_;
  RedisUrl redis_url_;
  MySqlUrl mysql_url_;

  RealtimeLoop loop_;
  std::unique_ptr<RealtimeTarget> target_;
  std::unique_ptr<RunPipeline> pipeline_;
  Timestamp start_;

  // Set by the main thread to end the run early (a signal, a failed fault step).
  std::atomic<bool> abort_{false};
  std::atomic<bool> loop_done_{false};
};

Status RealtimeRun::StartServers() {
  ManagedOptions mo;
  mo.dir = options_.server_dir;
  mo.keep = options_.keep_servers;
  if (sc_.target.mysql.empty()) {
    Note(backend_.name() + ": starting mariadbd (about 3 s) ...");
    SLOTSIM_ASSIGN_OR_RETURN(mysql_server_, ManagedMariaDb::Start(mo));
    mysql_url_ = mysql_server_->url();
    Note(backend_.name() + ": mariadbd on 127.0.0.1:" + std::to_string(mysql_server_->port()) +
         " in " + mysql_server_->dir());
  } else {
    SLOTSIM_ASSIGN_OR_RETURN(mysql_url_, ParseMySqlUrl(sc_.target.mysql));
  }
  if (sc_.target.redis.empty()) {
    mo.persistent = LocalFaultNeedsOf(sc_.faults).persistent_redis;
    SLOTSIM_ASSIGN_OR_RETURN(redis_server_, ManagedRedis::Start(mo));
    redis_url_ = redis_server_->url();
    Note(backend_.name() + ": redis-server on 127.0.0.1:" + std::to_string(redis_server_->port()) +
         (mo.persistent ? " (appendfsync always)" : "") + " in " + redis_server_->dir());
  } else {
    SLOTSIM_ASSIGN_OR_RETURN(redis_url_, ParseRedisUrl(sc_.target.redis));
  }
  return Status::Ok();
}

Status RealtimeRun::StartProxies() {
  const LocalFaultNeeds needs = LocalFaultNeedsOf(sc_.faults);
  auto start = [this](const std::string& host, int& port,
                      std::unique_ptr<FaultProxy>& out) -> Status {
    FaultProxyOptions po;
    po.listen = ProxyEndpoint{"127.0.0.1", 0};
    po.upstream = ProxyEndpoint{host, port};
    po.seed = sc_.seed;
    po.max_connections = 4 * sc_.target.workers + 64;
    SLOTSIM_ASSIGN_OR_RETURN(out, FaultProxy::Start(po));
    Note(backend_.name() + ": fault proxy 127.0.0.1:" + std::to_string(out->port()) + " -> " +
         host + ":" + std::to_string(port));
    port = out->port();
    return Status::Ok();
  };
  if (needs.redis_proxy) {
    SLOTSIM_RETURN_IF_ERROR(start(redis_url_.host, redis_url_.port, redis_proxy_));
    redis_url_.host = "127.0.0.1";
  }
  if (needs.mysql_proxy) {
    SLOTSIM_RETURN_IF_ERROR(start(mysql_url_.host, mysql_url_.port, mysql_proxy_));
    mysql_url_.host = "127.0.0.1";
  }
  return Status::Ok();
}

// Builds everything the loop runs on the main thread, before the loop thread exists, so the
// loop sees it fully built.
Status RealtimeRun::Wire() {
  PipelineOptions po;
  po.target = backend_.name();
  po.start = start_;
  po.initial_mode = backend_.mode();
  po.drain_limit = sc_.engine.policy.redis_deadline + kDrainBeyondRedisDeadline;
  po.fairness = true;
  pipeline_ = std::make_unique<RunPipeline>(sc_, options_, po);
  SLOTSIM_RETURN_IF_ERROR(pipeline_->OpenHistory());
  backend_.SetSwitchListener([this](const ModeSwitch& sw) {
    loop_.Post([this, sw] { pipeline_->recorder().ModeSwitched(sw); });
  });
  RealtimeTargetOptions to;
  to.workers = sc_.target.workers;
  to.max_in_flight = static_cast<uint64_t>(sc_.load.max_clients);
  target_ = std::make_unique<RealtimeTarget>(
      loop_, backend_.grid(), [this](int worker) { return backend_.NewExecutor(worker); }, to);
  pipeline_->Wire(loop_, *target_, RootRandom(sc_, options_));
  return Status::Ok();
}

void RealtimeRun::Begin() {
  pipeline_->StartLoad();
  pipeline_->ArmEnd();
  loop_.ScheduleAt(start_, [this] { OnTick(); });
}

void RealtimeRun::OnTick() {
  const Timestamp now = loop_.Now();
  pipeline_->ObserveLive();
  pipeline_->Housekeep(now);
  if (abort_.load()) {
    pipeline_->StopClients();
    loop_.Quit();
    return;
  }
  if (pipeline_->Done(now)) {
    loop_.Quit();
    return;
  }
  loop_.ScheduleAt(now + kTick, [this] { OnTick(); });
}

bool RealtimeRun::WaitUntil(Timestamp t) {
  while (true) {
    if (ChildRegistry::TerminationSignal() != 0 || loop_done_.load()) return false;
    const Timestamp now = wall_.Now();
    if (now >= t) return true;
    std::this_thread::sleep_for(std::min<Micros>(t - now, kWatchInterval));
  }
}

Status RealtimeRun::Supervise() {
  LocalFaultBackends fb{redis_server_.get(), mysql_server_.get(), redis_proxy_.get(),
                        mysql_proxy_.get()};
  PostingTimeline timeline(loop_, pipeline_->recorder());
  Status result = Status::Ok();
  for (const FaultStep& step : PlanLocalFaults(sc_.faults, fb, wall_, timeline)) {
    if (!WaitUntil(start_ + step.at)) break;
    Note(backend_.name() + ": fault " + step.what);
    if (Status s = step.act(); !s.ok()) {
      result =
          Status(Code::kUnavailable, "fault step \"" + step.what + "\" failed: " + s.ToString());
      abort_.store(true);
      break;
    }
  }
  WaitUntil(Timestamp::max());
  if (int sig = ChildRegistry::TerminationSignal(); sig != 0) {
    abort_.store(true);
    return Status::Unavailable(Interrupted(sig));
  }
  return result;
}

StatusOr<FinalState> RealtimeRun::FinalBookings() {
  // MySQL may still be recovering from a fault that ended with the run: retry for ~10 s.
  StatusOr<FinalState> out = backend_.FinalBookings();
  for (int i = 0; i < 50 && !out.ok(); ++i) {
    std::this_thread::sleep_for(Millis(200));
    out = backend_.FinalBookings();
  }
  if (!out.ok()) {
    return Status(out.status().code(), "reading the final bookings: " + out.status().message());
  }
  return out;
}

StatusOr<RunResult> RealtimeRun::Run() {
  const bool servers = backend_.wants_servers();
  if (!servers && !sc_.faults.empty()) {
    return Status::InvalidArgument(
        "faults need servers slotsim starts or can put a proxy before; this " + backend_.name() +
        " run has none (see docs/" + backend_.name() + ".md)");
  }
  SLOTSIM_RETURN_IF_ERROR(
      CheckLocalFaults(sc_.faults, sc_.target.redis.empty(), sc_.target.mysql.empty()));
  const Timestamp wall_start = wall_.Now();
  if (servers) {
    SLOTSIM_RETURN_IF_ERROR(StartServers());
    SLOTSIM_RETURN_IF_ERROR(StartProxies());
  }
  SLOTSIM_RETURN_IF_ERROR(
      backend_.Start(redis_url_, mysql_url_, [this](const std::string& l) { Note(l); }));
  if (int sig = ChildRegistry::TerminationSignal(); sig != 0) {
    return Status::Unavailable(Interrupted(sig));
  }
  start_ = wall_.Now() + kStartLead;
  SLOTSIM_RETURN_IF_ERROR(Wire());
  target_->Start();
  const double cpu_before = CpuSeconds();
  loop_.Post([this] { Begin(); });
  std::thread loop_thread([this] {
    loop_.Run();
    loop_done_.store(true);
  });
  Status supervised = Supervise();
  if (!supervised.ok()) loop_.Quit();
  loop_thread.join();
  target_->Stop();
  const double cpu_s = CpuSeconds() - cpu_before;
  backend_.SetSwitchListener(nullptr);
  if (!supervised.ok()) return supervised;
  return Collect(wall_start, cpu_s);
}

void RealtimeRun::NoteHarness(const RunInfo& run) const {
  const SendDelays& d = run.send;
  const std::string name = backend_.name();
  const double run_s = static_cast<double>(sc_.duration.count()) / 1e6;
  const auto fixed = [](const char* format, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return std::string(buf);
  };
  const auto ms = [&](int64_t us) {
    const double v = static_cast<double>(us) / 1e3;
    return fixed(v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v) + " ms";
  };
  const auto s = [&](int64_t us) { return fixed("%.1f", static_cast<double>(us) / 1e6) + " s"; };
  const auto figure = [&](const Histogram& h, int64_t total_us) {
    return "p99 " + ms(h.ValueAtPercentile(99)) + ", max " + ms(h.Max()) + ", " + s(total_us) +
           " in all";
  };
  const std::string late_ms = std::to_string(SendDelays::kLate.count() / 1000);
  Note(name + ": harness CPU " + fixed("%.1f", run.cpu_s) + " s (" +
       fixed("%.0f", run_s > 0 ? 100 * run.cpu_s / run_s : 0.0) + "% of one core); " +
       std::to_string(d.late_ops) + " of " + std::to_string(d.ops) +
       " operations went out more than " + late_ms + " ms after their clients' schedule");
  Note(name + ": delay before sending: harness lateness " +
       figure(d.harness_lateness, d.harness_us) + "; waiting for a free worker " +
       figure(d.worker_wait, d.worker_wait_us) + "; the client's previous request in flight " +
       figure(d.client_busy, d.client_busy_us));
  if (d.HarnessFellBehind()) {
    Note(name + ": the harness could not send its schedule: " + std::to_string(d.harness_late_ops) +
         " of " + std::to_string(d.ops) + " operations (" +
         fixed("%.1f",
               100.0 * static_cast<double>(d.harness_late_ops) / static_cast<double>(d.ops)) +
         "%) left its loop more than " + late_ms + " ms late, " + s(d.harness_us) +
         " in all: there the run measured the harness, not the target (give it more CPU, fewer "
         "clients per process, or --shard the run)");
  }
  if (d.worker_wait_us + d.client_busy_us > 100 * SendDelays::kLate.count()) {
    Note(name + ": the target held the schedule back by " + s(d.worker_wait_us + d.client_busy_us) +
         ": " + s(d.worker_wait_us) + " waiting for a free worker (of " +
         std::to_string(sc_.target.workers) + "), " + s(d.client_busy_us) +
         " for clients' own unanswered requests (docs/" + name +
         ".md, \"Why operations went out late\")");
  }
}

StatusOr<RunResult> RealtimeRun::Collect(Timestamp wall_start, double cpu_s) {
  StatusOr<RunResult> result = pipeline_->Finish([this] { return FinalBookings(); });
  if (!result.ok()) return result;
  const double wall_s = static_cast<double>((wall_.Now() - wall_start).count()) / 1e6;
  result->run = RunInfoOf(wall_s, pipeline_->ops(), pipeline_->peak_live());
  result->run.cpu_s = cpu_s;
  result->run.send = target_->delays();
  NoteHarness(result->run);
  return result;
}

}  // namespace

StatusOr<RunResult> RunRealtimeScenario(const Scenario& scenario, const RunOptions& options,
                                        RealtimeBackend& backend) {
  RealtimeRun run(scenario, options, backend);
  return run.Run();
}

}  // namespace slotsim
