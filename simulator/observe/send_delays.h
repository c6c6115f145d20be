// SendDelays: on the real-time targets (local, http), where the time went between when a
// client's schedule wanted an operation sent (its intended start) and when a worker started it.
// Each operation's delay, invoked - intended, is split into three parts that add up to it, each
// blaming one party:
//
//   client_busy       sendable - intended. The client's own previous request was still in
//                     flight when this one was due: the target was slow to answer it, so the
//                     client's schedule slipped. The target's doing.
//   harness_lateness  submitted - sendable. The loop thread handed the operation to the worker
//                     pool after it could have: the harness itself was behind (out of CPU, too
//                     many clients per process). The harness's doing ("scheduler lateness").
//   worker_wait       invoked - submitted. It waited in the pool's queue for a free worker (on
//                     http: a connection): every worker was held by a request the target had
//                     not answered yet. The target's doing at this concurrency (or too few
//                     `[target] workers` for the load).
//
// sendable = max(intended, the moment the loop was due to act on it): a timer's own time, or,
// for a client that an answer freed after its time had passed, when that answer was posted
// (RealtimeLoop::current_due()). Latency from the intended start includes all three parts (it
// is corrected for coordinated omission); these figures say who caused the part before the send.
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "common/histogram.h"

namespace slotsim {

struct SendDelays {
  // An operation is late when its delay (or its harness lateness) is more than this.
  static constexpr Micros kLate{10'000};

  Histogram harness_lateness;     // µs; summary.json run.scheduler_lateness_us
  Histogram worker_wait;          // µs; run.worker_wait_us
  Histogram client_busy;          // µs; run.client_busy_us
  uint64_t ops = 0;               // operations sent (every one recorded here)
  uint64_t late_ops = 0;          // invoked - intended > kLate, whatever the cause
  uint64_t harness_late_ops = 0;  // harness lateness > kLate
  int64_t harness_us = 0;         // sums of the three parts over every operation, µs
  int64_t worker_wait_us = 0;
  int64_t client_busy_us = 0;

  // Files one operation's times; negative parts (clock steps) count as 0. Not thread-safe.
  void Record(Timestamp intended, Timestamp sendable, Timestamp submitted, Timestamp invoked);

  // True when the harness itself could not send its schedule: more than 1 % of the operations
  // left the loop more than kLate after they were due.
  bool HarnessFellBehind() const { return ops > 0 && harness_late_ops * 100 > ops; }
};

}  // namespace slotsim
