// The local target's backend: the reference engine in this process over EngineStack.
#include "simulator/targets/local/local_backend.h"

#include "engine/engine_stack.h"
#include "simulator/observe/recorder.h"
#include "simulator/workload/engine_ops.h"

namespace slotsim {
namespace {

constexpr char kPrefix[] = "slotsim_local_";

// The engine on one worker: an operation's status becomes its outcome. A failure that is not
// a domain answer may have taken effect on a real server (a timeout after the write), so a
// write reports it as unknown; reads only ever fail.
class EngineExecutor final : public OpExecutor {
 public:
  EngineExecutor(SlotEngine& engine, const Store& store) : engine_(engine), store_(store) {}
  void Execute(const OpRequest& req, OpResult& r) override {
    ExecuteOp(engine_, store_, req, r);
    if (!r.status.ok()) {
      r.answer =
          IsDomainAnswer(r.status.code()) ? AnswerClass::kRejected : AnswerClass::kStoreError;
    }
    if (r.status.ok()) {
      r.outcome = Outcome::kOk;
    } else if (IsDomainAnswer(r.status.code()) || req.kind == OpKind::kPoll ||
               req.kind == OpKind::kAvailability) {
      r.outcome = Outcome::kFail;
    } else {
      r.outcome = Outcome::kUnknown;
    }
  }

 private:
  SlotEngine& engine_;
  const Store& store_;
};

class LocalBackend final : public RealtimeBackend {
 public:
  LocalBackend(const Scenario& scenario,
               std::function<std::unique_ptr<Store>(Store& inner)> decorate)
      : sc_(scenario), decorate_(std::move(decorate)) {}

  std::string name() const override { return "local"; }
  bool wants_servers() const override { return true; }

  Status Start(const RedisUrl& redis, const MySqlUrl& mysql,
               const std::function<void(const std::string&)>& /*note*/) override {
    EngineStackOptions eo;
    eo.redis = redis;
    eo.mysql = mysql;
    eo.engine = EngineOptions{sc_.engine.grid, sc_.engine.policy};
    eo.prefix = kPrefix;
    eo.redis_pool = sc_.target.workers;
    eo.mysql_pool = sc_.target.workers;
    eo.reset = true;
    eo.decorate = decorate_;
    SLOTSIM_ASSIGN_OR_RETURN(stack_, EngineStack::Create(eo, engine_clock_));
    return Status::Ok();
  }

  const Grid& grid() const override { return stack_->engine().grid(); }
  std::unique_ptr<OpExecutor> NewExecutor(int /*worker*/) override {
    return std::make_unique<EngineExecutor>(stack_->engine(), stack_->failover());
  }
  StorageMode mode() const override { return stack_->failover().mode(); }
  void SetSwitchListener(std::function<void(const ModeSwitch&)> listener) override {
    if (stack_) stack_->failover().SetSwitchListener(std::move(listener));
  }
  StatusOr<FinalState> FinalBookings() override {
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<Booking> all, stack_->mysql().ActiveBookings(""));
    return FinalState{std::move(all), ReadBack::kComplete, ""};
  }

 private:
  const Scenario& sc_;
  std::function<std::unique_ptr<Store>(Store& inner)> decorate_;
  SystemClock engine_clock_;  // the failover probes' timer thread; outlives the stack
  std::unique_ptr<EngineStack> stack_;
};

}  // namespace

std::unique_ptr<RealtimeBackend> NewLocalBackend(
    const Scenario& scenario, std::function<std::unique_ptr<Store>(Store& inner)> decorate) {
  return std::make_unique<LocalBackend>(scenario, std::move(decorate));
}

}  // namespace slotsim
