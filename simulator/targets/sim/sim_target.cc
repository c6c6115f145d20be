// SimTarget: engine calls on virtual time.
#include "simulator/targets/sim/sim_target.h"

#include "simulator/observe/recorder.h"
#include "simulator/workload/engine_ops.h"

namespace slotsim {

SimTarget::SimTarget(SimClock& clock, Random& random, SimTargetOptions options)
    : clock_(clock), random_(random), options_(std::move(options)) {
  const Micros redis_deadline = options_.engine.policy.redis_deadline;
  ModelOptions redis{options_.redis_latency, options_.redis_latency, redis_deadline};
  redis.servers = options_.redis_servers;
  ModelOptions mysql{options_.mysql_read_latency, options_.mysql_write_latency,
                     options_.mysql_deadline};
  mysql.servers = options_.mysql_servers;
  redis_ = std::make_unique<ModelStore>(redis_state_, cost_, random_, clock_, std::move(redis));
  mysql_ = std::make_unique<ModelStore>(mysql_state_, cost_, random_, clock_, std::move(mysql));
  failover_ = std::make_unique<FailoverStore>(*redis_, *mysql_, clock_,
                                              FailoverOptionsFrom(options_.engine.policy));
}

Status SimTarget::Start() {
  if (options_.decorate) decorated_ = options_.decorate(*failover_);
  StatusOr<SlotEngine> engine = SlotEngine::Create(Served(), clock_, options_.engine);
  if (!engine.ok()) return engine.status();
  engine_.emplace(std::move(engine).value());
  return failover_->Start();
}

void SimTarget::Submit(const OpRequest& req, Timestamp /*intended*/, Done done) {
  cost_.total = options_.engine_overhead.Sample(random_);
  uint32_t index;
  if (!free_pending_.empty()) {
    index = free_pending_.back();
    free_pending_.pop_back();
  } else {
    pending_.emplace_back();
    index = static_cast<uint32_t>(pending_.size() - 1);
  }
  Pending& p = pending_[index];
  p.done = std::move(done);
  OpResult& r = p.result;
  cost_.in_request = true;
  ExecuteOp(*engine_, Served(), req, r);
  cost_.in_request = false;
  r.invoked = clock_.Now();
  r.completed = r.invoked + cost_.total;
  if (r.status.ok()) {
    r.outcome = Outcome::kOk;
  } else {
    // In process nothing is lost in transit: a backend failure that reached the client means
    // the operation did not take effect.
    r.outcome = Outcome::kFail;
    r.answer = IsDomainAnswer(r.status.code()) ? AnswerClass::kRejected : AnswerClass::kStoreError;
  }
  clock_.ScheduleCall(r.completed, *this, index);
}

void SimTarget::OnTimer(uint64_t index) {
  Pending& p = pending_[index];
  Done done = std::move(p.done);
  // Free the slot first: `done` may submit the client's next operation. The result is moved
  // into done's parameter before done's body runs, so a reuse of the slot cannot touch it.
  free_pending_.push_back(static_cast<uint32_t>(index));
  done(std::move(p.result));
}

void SimTarget::WillTouchDay(int employee_id, const std::string& date) {
  MemoryStore& serving = failover_->mode() == StorageMode::kRedis ? redis_state_ : mysql_state_;
  serving.PrefetchDay(employee_id, date);
}

StatusOr<FinalState> SimTarget::FinalBookings() {
  SLOTSIM_ASSIGN_OR_RETURN(std::vector<Booking> all, mysql_state_.ActiveBookings(""));
  return FinalState{std::move(all), ReadBack::kComplete, ""};
}

}  // namespace slotsim
