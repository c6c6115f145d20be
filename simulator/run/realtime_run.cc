// RunRealtimeScenario: servers, backend, workers, clients and faults on wall-clock time.
#include "simulator/run/realtime_run.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "common/git_commit.h"
#include "procs/child_registry.h"
#include "procs/fault_proxy.h"
#include "procs/managed_servers.h"
#include "simulator/observe/history_io.h"
#include "simulator/run/run_support.h"
#include "simulator/targets/realtime/local_faults.h"
#include "simulator/targets/realtime/realtime_loop.h"
#include "simulator/targets/realtime/realtime_target.h"
#include "simulator/workload/load.h"

namespace slotsim {
namespace {

// The loop checks the end of the run, live clients and progress this often.
constexpr Micros kTick{100'000};
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
  void Wire();
  // Loop thread: starts the load and the ticker.
  void Begin();
  void OnTick();
  // Main thread: fault steps at their times, then waits for the loop. Returns the first
  // failed step's error, or the interruption.
  Status Supervise();
  // Sleeps until `t` or until the run is over or interrupted; false then.
  bool WaitUntil(Timestamp t);
  StatusOr<std::vector<Booking>> FinalBookings();
  // One line on the harness's own load: its CPU and scheduler lateness.
  void NoteHarness(const RunInfo& run) const;
  // The run's results; `wall_start` is when the run began (servers included).
  StatusOr<RunResult> Collect(Timestamp wall_start, double cpu_s);

  const Scenario& sc_;
  const RunOptions& options_;
  Clock& wall_;
  RealtimeBackend& backend_;
  Timestamp start_, end_, drain_limit_;

  std::unique_ptr<ManagedMariaDb> mysql_server_;
  std::unique_ptr<ManagedRedis> redis_server_;
  std::unique_ptr<FaultProxy> redis_proxy_, mysql_proxy_;
  RedisUrl redis_url_;
  MySqlUrl mysql_url_;

  RealtimeLoop loop_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<Checker> checker_;
  CheckerOptions checker_options_;
  ProgressSink progress_;
  FairnessSink fairness_{sc_.engine.heartbeat};
  TeeSink tee_;
  std::unique_ptr<JsonlHistoryWriter> history_;
  std::unique_ptr<RealtimeTarget> target_;
  Random root_{0}, client_random_{0}, load_random_{0};
  std::unique_ptr<ClientPool> pool_;
  std::unique_ptr<LoadDriver> load_;

  // Loop thread state.
  std::unique_ptr<AbortWatch> watch_;
  Timestamp stop_;  // where the run's measurements end: end_, or where it was stopped early
  Timestamp last_abort_check_;
  uint64_t peak_live_ = 0;
  Timestamp last_progress_;
  uint64_t last_ops_ = 0;
  bool stopped_clients_ = false;
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

// Builds the recorder, checker, sinks, workers, clients and load on the main thread (before
// the loop thread exists, so the loop sees them fully built).
void RealtimeRun::Wire() {
  RecorderOptions ro{start_, sc_.output.timeseries_interval, 3};
  ro.initial_mode = backend_.mode();
  recorder_ = std::make_unique<Recorder>(ro);
  checker_ = std::make_unique<Checker>(checker_options_);
  tee_.Add(recorder_.get());
  tee_.Add(checker_.get());
  tee_.Add(&progress_);
  tee_.Add(&fairness_);
  if (history_) tee_.Add(history_.get());
  backend_.SetSwitchListener(
      [this](const ModeSwitch& sw) { loop_.Post([this, sw] { recorder_->ModeSwitched(sw); }); });
  RealtimeTargetOptions to;
  to.workers = sc_.target.workers;
  to.max_in_flight = static_cast<uint64_t>(sc_.load.max_clients);
  target_ = std::make_unique<RealtimeTarget>(
      loop_, backend_.grid(), [this](int worker) { return backend_.NewExecutor(worker); }, to);
  root_ = RootRandom(sc_, options_);
  client_random_ = root_.Fork(2);
  load_random_ = root_.Fork(3);
  pool_ =
      std::make_unique<ClientPool>(*target_, client_random_, BehaviorFrom(sc_, start_, options_),
                                   tee_, static_cast<uint64_t>(sc_.load.max_clients));
  load_ = std::make_unique<LoadDriver>(sc_.load, sc_, *pool_, loop_, load_random_);
}

void RealtimeRun::Begin() {
  last_progress_ = wall_.Now();
  load_->Start(start_, sc_.duration);
  loop_.ScheduleAt(start_, [this] { OnTick(); });
}

void RealtimeRun::OnTick() {
  const Timestamp now = loop_.Now();
  peak_live_ = std::max(peak_live_, pool_->live());
  recorder_->ClientsChanged(pool_->live(), pool_->total());
  if (!stopped_clients_ && watch_->enabled() && now - last_abort_check_ >= Micros(1'000'000)) {
    last_abort_check_ = now;
    if (watch_->Check(start_, now, *recorder_, *checker_)) {
      Note(backend_.name() + ": stopping early: " + watch_->reason());
      stop_ = now;
    }
  }
  if (!stopped_clients_ && (now >= end_ || abort_.load() || watch_->aborted())) {
    pool_->StopAll();
    stopped_clients_ = true;
  }
  if (abort_.load() || (stopped_clients_ && pool_->in_flight() == 0) || now > drain_limit_) {
    loop_.Quit();
    return;
  }
  if (options_.progress && now - last_progress_ >= Micros(1'000'000)) {
    Progress p;
    p.elapsed = std::min(now, end_) - start_;
    p.duration = sc_.duration;
    p.live_clients = pool_->live();
    const double secs = static_cast<double>((now - last_progress_).count()) / 1e6;
    p.ops_per_s = static_cast<double>(progress_.ops - last_ops_) / secs;
    p.errors = progress_.errors;
    p.mode = progress_.mode;
    options_.progress(p);
    last_progress_ = now;
    last_ops_ = progress_.ops;
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
  PostingTimeline timeline(loop_, *recorder_);
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

StatusOr<std::vector<Booking>> RealtimeRun::FinalBookings() {
  // MySQL may still be recovering from a fault that ended with the run: retry for ~10 s.
  StatusOr<std::vector<Booking>> out = backend_.FinalBookings();
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
  checker_options_.hold_ttl = sc_.engine.policy.hold_ttl;
  if (!options_.history_path.empty()) {
    history_ = std::make_unique<JsonlHistoryWriter>();
    SLOTSIM_RETURN_IF_ERROR(history_->Open(options_.history_path));
    history_->WriteCheckerOptions(checker_options_);
  }
  if (int sig = ChildRegistry::TerminationSignal(); sig != 0) {
    return Status::Unavailable(Interrupted(sig));
  }
  start_ = wall_.Now() + kStartLead;
  end_ = start_ + sc_.duration;
  stop_ = end_;
  last_abort_check_ = start_;
  watch_ = std::make_unique<AbortWatch>(sc_, options_, backend_.name());
  // A hung call costs at most the Redis deadline plus a MySQL call at its read timeout.
  drain_limit_ = end_ + sc_.engine.policy.redis_deadline + Micros(15'000'000);
  Wire();
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
  const Histogram& late = run.scheduler_lateness;
  const double run_s = static_cast<double>(sc_.duration.count()) / 1e6;
  char line[256];
  std::snprintf(line, sizeof line,
                "%s: harness CPU %.1f s (%.0f%% of one core); scheduler lateness p50 %lld us, "
                "p99 %lld us, max %lld us over %lld operations",
                backend_.name().c_str(), run.cpu_s, run_s > 0 ? 100 * run.cpu_s / run_s : 0.0,
                static_cast<long long>(late.ValueAtPercentile(50)),
                static_cast<long long>(late.ValueAtPercentile(99)),
                static_cast<long long>(late.Max()), static_cast<long long>(late.TotalCount()));
  Note(line);
}

StatusOr<RunResult> RealtimeRun::Collect(Timestamp wall_start, double cpu_s) {
  RunResult result;
  result.scenario = sc_;
  result.target = backend_.name();
  result.git_commit = GitCommit();
  result.metrics = recorder_->Finish(stop_);
  result.aborted = watch_->reason();
  result.aborted_at = watch_->at();
  result.metrics.clients_peak = std::max<uint64_t>(result.metrics.clients_peak, peak_live_);
  result.rejected_arrivals = pool_->rejected();
  result.fairness = fairness_.Report();
  for (const FailoverWindow& w : FailoverWindows(result.metrics, start_, sc_.engine.heartbeat)) {
    checker_->AddFailoverWindow(w.start, w.end);
    if (history_) history_->WriteFailoverWindow(w);
  }
  StatusOr<std::vector<Booking>> final_bookings = FinalBookings();
  if (!final_bookings.ok()) return final_bookings.status();
  checker_->Finish(*final_bookings, stop_);
  result.consistency = checker_->report();
  if (history_) {
    history_->WriteFinalBookings(*final_bookings, stop_);
    SLOTSIM_RETURN_IF_ERROR(history_->Close());
  }
  const double wall_s = static_cast<double>((wall_.Now() - wall_start).count()) / 1e6;
  result.run = RunInfoOf(wall_s, progress_.ops, peak_live_);
  result.run.cpu_s = cpu_s;
  result.run.scheduler_lateness = target_->lateness();
  NoteHarness(result.run);
  return result;
}

}  // namespace

StatusOr<RunResult> RunRealtimeScenario(const Scenario& scenario, const RunOptions& options,
                                        RealtimeBackend& backend) {
  RealtimeRun run(scenario, options, backend);
  return run.Run();
}

}  // namespace slotsim
