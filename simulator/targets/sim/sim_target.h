// SimTarget: the embedded `sim` target. The real SlotEngine and FailoverStore run in process
// over two ModelStores (a model of Redis and one of MySQL) on a SimClock, single-threaded. An
// operation takes effect the moment it is submitted; its answer is delivered after the virtual
// time its backend calls cost (drawn from the models' latency distributions, plus the engine's
// own overhead; with a finite number of servers per backend, also its wait in the backend's
// queue: model_store.h, "Capacity"). Faults are applied to the models by the fault schedule.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/random.h"
#include "engine/failover_store.h"
#include "engine/memory_store.h"
#include "engine/slot_engine.h"
#include "simulator/observe/measurement.h"
#include "simulator/targets/sim/model_store.h"
#include "simulator/workload/target.h"

namespace slotsim {

struct SimTargetOptions {
  EngineOptions engine;
  Distribution redis_latency;
  Distribution mysql_read_latency;
  Distribution mysql_write_latency;
  Distribution engine_overhead;
  Micros mysql_deadline{5'000'000};  // what a hung MySQL call costs (the read timeout)
  int redis_servers = 0;             // ModelOptions::servers of each model; 0 = unlimited
  int mysql_servers = 0;
  // Wraps the failover store for the engine (tests that plant anomalies); null: none.
  std::function<std::unique_ptr<Store>(Store& inner)> decorate;
};

// Answers wait for their completion time in a pool of reused slots, each an allocation-free
// SimClock::ScheduleCall event (a poll's answer is about half a kilobyte; it is not copied
// into a std::function capture).
class SimTarget final : public Target, private SimClock::Handler {
 public:
  // `clock` and `random` must outlive the target.
  SimTarget(SimClock& clock, Random& random, SimTargetOptions options);

  // Builds the engine (over options.decorate's wrapper of the failover store, if given) and
  // starts the failover manager.
  Status Start();

  Clock& clock() override { return clock_; }
  // `intended` is unused: on virtual time nothing is sent late.
  void Submit(const OpRequest& req, Timestamp intended, Done done) override;
  const Grid& grid() const override { return engine_->grid(); }
  // Prefetches through the model that serves the engine's current mode.
  void WillTouchDay(int employee_id, const std::string& date) override;

  ModelStore& redis() { return *redis_; }
  ModelStore& mysql() { return *mysql_; }
  FailoverStore& failover() { return *failover_; }
  // The truth at the end of the run: every active booking.
  StatusOr<FinalState> FinalBookings();

 private:
  // An answer waiting for its completion time.
  struct Pending {
    Done done;
    OpResult result;
  };

  void OnTimer(uint64_t index) override;  // delivers pending_[index]
  Store& Served() { return decorated_ ? *decorated_ : *failover_; }

  SimClock& clock_;
  Random& random_;
  SimTargetOptions options_;
  CallCost cost_;
  MemoryStore redis_state_{StorageMode::kRedis};
  MemoryStore mysql_state_{StorageMode::kMySql};
  std::unique_ptr<ModelStore> redis_, mysql_;
  std::unique_ptr<FailoverStore> failover_;
  std::unique_ptr<Store> decorated_;  // over failover_, when options_.decorate is set
  std::optional<SlotEngine> engine_;
  std::deque<Pending> pending_;  // at most one per client in flight
  std::vector<uint32_t> free_pending_;
};

}  // namespace slotsim
