// RunPipeline: the run's assembly, shared by the sim and real-time drivers.
#include "simulator/run/pipeline.h"

#include <algorithm>

#include "common/git_commit.h"

namespace slotsim {

RunPipeline::RunPipeline(const Scenario& scenario, const RunOptions& options,
                         PipelineOptions pipeline)
    : sc_(scenario),
      options_(options),
      po_(std::move(pipeline)),
      wall_(*options.wall_clock),
      end_(po_.start + scenario.duration),
      drain_limit_(end_ + po_.drain_limit),
      watch_(scenario, options, po_.target) {
  RecorderOptions ro{po_.start, sc_.output.timeseries_interval, 3};
  ro.initial_mode = po_.initial_mode;
  recorder_ = std::make_unique<Recorder>(ro);
  checker_options_.hold_ttl = sc_.engine.policy.hold_ttl;
  checker_ = std::make_unique<Checker>(checker_options_);
  tee_.Add(recorder_.get());
  tee_.Add(checker_.get());
  tee_.Add(&progress_);
  if (po_.fairness) {
    fairness_.emplace(sc_.engine.heartbeat);
    tee_.Add(&*fairness_);
  }
}

Status RunPipeline::OpenHistory() {
  if (options_.history_path.empty()) return Status::Ok();
  history_ = std::make_unique<JsonlHistoryWriter>();
  SLOTSIM_RETURN_IF_ERROR(history_->Open(options_.history_path));
  history_->WriteCheckerOptions(checker_options_);
  tee_.Add(history_.get());
  return Status::Ok();
}

void RunPipeline::Wire(Clock& clock, Target& target, const Random& root) {
  clock_ = &clock;
  client_random_ = root.Fork(2);
  load_random_ = root.Fork(3);
  pool_ =
      std::make_unique<ClientPool>(target, client_random_, BehaviorFrom(sc_, po_.start, options_),
                                   tee_, static_cast<uint64_t>(sc_.load.max_clients));
  load_ = std::make_unique<LoadDriver>(sc_.load, sc_, *pool_, clock, load_random_);
  recorder_->CountLiveClientsWith([pool = pool_.get()] { return pool->live(); });
  pool_->set_on_sold_out([rec = recorder_.get()](Timestamp at) { rec->ClientSoldOut(at); });
}

void RunPipeline::StartLoad() {
  last_progress_wall_ = wall_.Now();
  last_live_wall_ = last_progress_wall_;
  last_progress_ = po_.start;
  load_->Start(po_.start, sc_.duration);
}

void RunPipeline::ArmEnd() {
  clock_->ScheduleAt(end_, [this] { StopClients(); });
  if (!watch_.enabled()) return;
  abort_check_ = [this] { CheckAbort(); };
  clock_->ScheduleAt(po_.start + po_.abort_check_interval, abort_check_);
}

void RunPipeline::CheckAbort() {
  const Timestamp now = clock_->Now();
  if (watch_.Check(po_.start, now, *recorder_, *checker_)) {
    Note(po_.target + ": stopping early: " + watch_.reason());
    StopClients();
  } else if (now + po_.abort_check_interval < end_) {
    clock_->ScheduleAt(now + po_.abort_check_interval, abort_check_);
  }
}

void RunPipeline::StopClients() {
  pool_->StopAll();
  stopped_ = true;
}

void RunPipeline::Housekeep(Timestamp now) {
  recorder_->ClientsChanged(pool_->live(), pool_->total());
  const Timestamp w = wall_.Now();
  PublishLive(now, w);
  if (!options_.progress || w - last_progress_wall_ < po_.progress_interval) return;
  Progress p;
  p.elapsed = std::min(now, end_) - po_.start;
  p.duration = sc_.duration;
  p.live_clients = pool_->live();
  const double secs = static_cast<double>((now - last_progress_).count()) / 1e6;
  p.ops_per_s = secs > 0 ? static_cast<double>(progress_.ops - last_ops_) / secs : 0;
  p.errors = progress_.errors;
  p.mode = progress_.mode;
  options_.progress(p);
  last_progress_wall_ = w;
  last_progress_ = now;
  last_ops_ = progress_.ops;
}

// Reads only: a copy of the recorder, the checker's report, the pool's counts.
void RunPipeline::PublishLive(Timestamp now, Timestamp wall_now) {
  if (!options_.live || wall_now - last_live_wall_ < po_.progress_interval) return;
  last_live_wall_ = wall_now;
  const Timestamp at = std::min(now, end_);
  RunResult live = LiveResult(sc_, po_.target, at, *recorder_, *checker_);
  live.metrics.clients_peak = std::max<uint64_t>(live.metrics.clients_peak, peak_live_);
  live.rejected_arrivals = pool_->rejected();
  live.adversaries = pool_->adversaries();
  options_.live(live, at - po_.start);
}

StatusOr<RunResult> RunPipeline::Finish(const FinalBookingsFn& final_bookings) {
  // The pool's own peak: housekeeping samples would miss a short one.
  recorder_->ClientsChanged(pool_->peak(), pool_->total());
  recorder_->ClientsChanged(pool_->live(), pool_->total());
  // An aborted run ends where it stopped.
  const Timestamp stop = watch_.aborted() ? po_.start + watch_.at() : end_;
  RunResult result;
  result.scenario = sc_;
  result.target = po_.target;
  result.git_commit = GitCommit();
  result.metrics = recorder_->Finish(stop);
  result.aborted = watch_.reason();
  result.aborted_at = watch_.at();
  result.metrics.clients_peak = std::max<uint64_t>(result.metrics.clients_peak, peak_live_);
  result.rejected_arrivals = pool_->rejected();
  result.adversaries = pool_->adversaries();
  if (fairness_) result.fairness = fairness_->Report();
  for (const FailoverWindow& w : FailoverWindows(result.metrics, po_.start, sc_.engine.heartbeat)) {
    checker_->AddFailoverWindow(w.start, w.end);
    if (history_) history_->WriteFailoverWindow(w);
  }
  StatusOr<FinalState> final_state = final_bookings();
  if (!final_state.ok()) return final_state.status();
  checker_->Finish(final_state->bookings, stop, final_state->read_back, final_state->reason);
  result.consistency = checker_->report();
  if (history_) {
    history_->WriteFinalBookings(final_state->bookings, stop, final_state->read_back,
                                 final_state->reason);
    SLOTSIM_RETURN_IF_ERROR(history_->Close());
  }
  return result;
}

}  // namespace slotsim
