// Target: where virtual clients' operations run. The sim target runs the engine in process on
// virtual time; the local and http targets run it against real servers on wall time. Clients
// see only this interface, so the same client code drives every target.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "engine/grid.h"
#include "protocol/ops.h"

namespace slotsim {

class Target {
 public:
  using Done = std::function<void(OpResult)>;
  virtual ~Target() = default;

  // The clock that drives this target's clients (SimClock for sim, SystemClock otherwise).
  virtual Clock& clock() = 0;

  // Sends `req` no earlier than now; `done` runs once with the answer on the clock's thread of
  // control. `intended` (<= now) is when the client's schedule wanted it sent: a target that
  // queues says from it why an operation went out late (real-time targets, SendDelays). A
  // target that is at its in-flight limit answers Unavailable rather than queueing without
  // bound.
  virtual void Submit(const OpRequest& req, Timestamp intended, Done done) = 0;

  // The slot grid the target's engine uses (clients pick slots from it).
  virtual const Grid& grid() const = 0;

  // A hint that an operation on (employee_id, date) will be submitted shortly, so a target can
  // start fetching that day's state from memory. Must not change behaviour; by default ignored.
  virtual void WillTouchDay(int /*employee_id*/, const std::string& /*date*/) {}
};

}  // namespace slotsim
