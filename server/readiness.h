// Readiness of the stores `slotsim serve` runs on, for /readyz and /healthz (routes.h): bookings
// need MySQL when there is one, so MySQL not answering a ping means "not ready"; Redis down is
// not: the failover store then serves from MySQL, and the answer says so.
#pragma once

#include "engine/engine_stack.h"
#include "engine/mysql_store.h"
#include "protocol/server_wire.h"

namespace slotsim::http {

// Redis (breaker state) and MySQL (one ping) behind a failover stack.
Readiness StackReadiness(EngineStack& stack);
// MySQL alone (--store mysql).
Readiness MySqlReadiness(MySqlStore& mysql);

}  // namespace slotsim::http
