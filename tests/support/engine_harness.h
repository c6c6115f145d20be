// A SlotEngine over each kind of store, for suites that must hold on every backend:
//   memory          MemoryStore alone
//   mysql           MySqlStore alone (shared server, SLOTSIM_MYSQL_URL)
//   redis           FailoverStore(RedisStore, MySqlStore): Redis holds, MySQL bookings
//   failover_memory FailoverStore over two MemoryStores: the sim target's arrangement
// Time is a SimClock, so hold expiry is exact; server-backed stores compare expiry with the
// `now` the engine passes, so the same test holds on all four.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "engine/failover_store.h"
#include "engine/memory_store.h"
#include "engine/mysql_store.h"
#include "engine/redis_store.h"
#include "engine/slot_engine.h"
#include "tests/support/servers.h"

namespace slotsim::testing {

enum class Backend { kMemory, kMySql, kRedis, kFailoverMemory };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kMemory:
      return "memory";
    case Backend::kMySql:
      return "mysql";
    case Backend::kRedis:
      return "redis";
    case Backend::kFailoverMemory:
      return "failover_memory";
  }
  return "unknown";
}

// Owns the stores of one backend and an engine over them.
class EngineHarness {
 public:
  // Builds the stores; returns false (with a reason) when a server URL is missing.
  bool Build(Backend backend, Policy policy, std::string& why);

  SlotEngine& engine() { return *engine_; }
  SimClock& clock() { return clock_; }
  Store& store() { return *top_; }
  FailoverStore* failover() { return failover_.get(); }

 private:
  SimClock clock_;
  std::unique_ptr<MemoryStore> memory_, memory_fallback_;
  std::unique_ptr<MySqlStore> mysql_;
  std::unique_ptr<RedisStore> redis_;
  std::unique_ptr<FailoverStore> failover_;
  Store* top_ = nullptr;
  std::optional<SlotEngine> engine_;
};

}  // namespace slotsim::testing
