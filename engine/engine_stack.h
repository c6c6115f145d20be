// EngineStack: the production arrangement of the reference engine, built in one call — a
// RedisStore (holds) and a MySqlStore (bookings, fallback holds) behind a FailoverStore, and a
// SlotEngine over it. The `local` target and `slotsim serve` use it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "common/url.h"
#include "engine/failover_store.h"
#include "engine/mysql_store.h"
#include "engine/redis_store.h"
#include "engine/slot_engine.h"

namespace slotsim {

struct EngineStackOptions {
  RedisUrl redis;
  MySqlUrl mysql;
  EngineOptions engine;  // grid and policy; policy.redis_deadline is the Redis deadline
  // Redis key prefix and MySQL table prefix ([A-Za-z0-9_]).
  std::string prefix = "slotsim_";
  int redis_pool = 8;  // connections kept at most, each store
  int mysql_pool = 8;
  int mysql_read_timeout_s = 5;  // a hung MySQL costs this much per call (whole seconds)
  // Empty this prefix's Redis keys and MySQL rows before starting, so the run starts clean and
  // every booking found at the end was made by it.
  bool reset = false;
  // Tests: the engine calls this wrapper of the failover store (engine/store_wrapper.h, e.g.
  // one that plants anomalies) instead of the failover store itself; null: none. The wrapper
  // must be thread-safe: the engine calls it from every worker.
  std::function<std::unique_ptr<Store>(Store& inner)> decorate;
};

class EngineStack {
 public:
  // Opens MySQL (creating or migrating the schema), optionally resets, starts the failover
  // manager (on MySQL when Redis does not answer) and builds the engine. `clock` must outlive
  // the stack; its timers run the failover probes. Unavailable when MySQL cannot be reached.
  static StatusOr<std::unique_ptr<EngineStack>> Create(const EngineStackOptions& options,
                                                       Clock& clock);
  ~EngineStack();

  SlotEngine& engine() { return *engine_; }
  FailoverStore& failover() { return *failover_; }
  RedisStore& redis() { return *redis_; }
  MySqlStore& mysql() { return *mysql_; }

 private:
  EngineStack() = default;

  std::unique_ptr<RedisStore> redis_;
  std::unique_ptr<MySqlStore> mysql_;
  std::unique_ptr<FailoverStore> failover_;
  std::unique_ptr<Store> decorated_;  // over failover_, when options.decorate is set
  std::unique_ptr<SlotEngine> engine_;
};

}  // namespace slotsim
