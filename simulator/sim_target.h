// SimTarget: the embedded `sim` target. The real SlotEngine and FailoverStore run in process
// over two ModelStores (a model of Redis and one of MySQL) on a SimClock, single-threaded. An
// operation takes effect the moment it is submitted; its answer is delivered after the virtual
// time its backend calls cost (drawn from the models' latency distributions, plus the engine's
// own overhead). Faults are applied to the models by the fault schedule.
#pragma once

#include <memory>
#include <optional>

#include "common/random.h"
#include "engine/failover_store.h"
#include "engine/memory_store.h"
#include "engine/slot_engine.h"
#include "simulator/model_store.h"
#include "simulator/target.h"

namespace slotsim {

struct SimTargetOptions {
  EngineOptions engine;
  Distribution redis_latency;
  Distribution mysql_read_latency;
  Distribution mysql_write_latency;
  Distribution engine_overhead;
  Micros mysql_deadline{5'000'000};  // what a hung MySQL call costs (the read timeout)
};

class SimTarget final : public Target {
 public:
  // `clock` and `random` must outlive the target.
  SimTarget(SimClock& clock, Random& random, SimTargetOptions options);

  // Builds the engine and starts the failover manager.
  Status Start();

  Clock& clock() override { return clock_; }
  void Submit(const OpRequest& req, Done done) override;
  const Grid& grid() const override { return engine_->grid(); }

  ModelStore& redis() { return *redis_; }
  ModelStore& mysql() { return *mysql_; }
  FailoverStore& failover() { return *failover_; }
  // The truth at the end of the run: every active booking.
  StatusOr<std::vector<Booking>> FinalBookings();

 private:
  OpResult Execute(const OpRequest& req);

  SimClock& clock_;
  Random& random_;
  SimTargetOptions options_;
  CallCost cost_;
  MemoryStore redis_state_{StorageMode::kRedis};
  MemoryStore mysql_state_{StorageMode::kMySql};
  std::unique_ptr<ModelStore> redis_, mysql_;
  std::unique_ptr<FailoverStore> failover_;
  std::optional<SlotEngine> engine_;
};

}  // namespace slotsim
