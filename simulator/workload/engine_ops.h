// ExecuteOp: one client operation (OpRequest) run on a SlotEngine, its answer written into an
// OpResult. The sim target and the local target share it, so both answer alike.
#pragma once

#include "engine/slot_engine.h"
#include "engine/store.h"
#include "simulator/workload/target.h"

namespace slotsim {

// Runs `req` on `engine` and sets r.status, the answer field of its kind (hold, booking, poll
// or availability; the others are reset) and r.served_by: the storage mode the poll or
// availability answer reports, else `store`'s mode after the call. r.outcome is set to kOk;
// the caller decides what a failure means (r.outcome), and sets the times.
void ExecuteOp(SlotEngine& engine, const Store& store, const OpRequest& req, OpResult& r);

}  // namespace slotsim
