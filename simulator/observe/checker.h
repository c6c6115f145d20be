// Checker: the online consistency checker. It consumes the history of a run (OpRecords, in
// completion order) and finds the anomalies docs/architecture.md "What is measured" lists: double,
// lost and phantom bookings, hold conflicts, lost holds and the visibility lag of holds. It never
// keeps the whole history: its state is per slot, per live belief (a client's belief that it
// holds a slot), per booking, plus one pending visibility probe per slot, and what can no longer
// matter is evicted as time moves on. docs/consistency.md explains the figures for users.
//
// Time. Every rule works on the records' invoke / completion times, never on arrival order. An
// operation took effect somewhere in [invoked, completed]; the checker places each event at the
// end of that window that cannot produce a false alarm (a booking is "active" from its confirm's
// completion until its cancel's invocation, a belief starts when the answer arrived, ...). As
// records arrive in completion order, a record invoked at t can arrive until t +
// max_op_duration; so the checker decides about an instant t only once it has seen a completion
// later than t + max_op_duration ("settling"), and Finish() settles everything. A record invoked
// more than max_op_duration before the latest completion seen is still applied but counted in
// `late_records`: results near its times may be off by its lateness.
//
// Keys. Client ids are kept as 64-bit hashes (two of 10^7 clients collide with probability
// ~3e-6); dates and times are interned (at most 2^20 distinct dates and 4094 distinct times;
// records beyond that are skipped, not checked); booking ids "APT-YYYY-NNNNNN" are packed into
// an integer and other ids are interned.
//
// THE RULES (each figure of ConsistencyReport). docs/consistency.md states the same rules.
//
// belief — client C believes it holds slot S from the completion of an OK select of S (or of an
//   OK poll with selected_time S answering own=held) until the earliest of: the invocation of
//   its deselect of S (any outcome); the invocation of its select of another slot of the same
//   (employee, date) (any outcome), or of a poll re-asserting another time of that day (held);
//   the completion of its confirm or reschedule onto S (any outcome); the completion of a poll
//   answering lost/taken for S; the completion of a failed select of S; the expiry (the answer's
//   hold_expires, else its completion + hold_ttl). An OK select or held poll invoked before the
//   expiry extends it (one belief); one invoked after it starts a new belief. A record of C
//   invoked before C's current belief on that day began (a concurrent, older operation) does not
//   change the belief. At Finish() open beliefs are cut at `end`. Only an answer that names the
//   caller as the holder says held: a server without appointease_hold never does (its lists
//   name no owner; protocol/client_answers.cc), so there only selects start and extend beliefs.
//
// hold_conflicts — pairs of beliefs of two different clients on one slot whose intervals
//   overlap for a positive time, except a pair charged to a lost hold: the belief that began
//   first (either, if both began at once) ended as a lost hold (below), and no answer affirmed
//   it (an OK select of S by it, or a poll answering held) invoked at or after the other
//   belief's start. The server then evidently no longer kept that hold when it granted the
//   other one: the overlap is the lost hold's, counted once, there. A server that grants a held
//   slot to a second client while still telling the first it holds it (a held poll of the
//   first, invoked after the second's start) counts a conflict, whatever happens next; so
//   does an overlap whose earlier belief never ends as a lost hold (the later one may). Each
//   pair of belief episodes counts once; the overlaps' lengths are summed in
//   hold_conflict_total_ms. hold_conflicts_outside_failover counts the pairs whose overlap
//   interval [start, end) intersects no failover window [start, end] (a partial overlap with a
//   window is inside).
//
// lost_holds — a belief ended by a poll answering lost or taken for its slot, where the poll
//   was invoked before the belief's sure expiry (the latest hold_expires stated by an answer
//   that extended it; for an answer without one, that operation's invocation + hold_ttl: the
//   server's own TTL started no earlier) and the belief had not ended otherwise (no deselect,
//   no select of another slot, no confirm by its holder): the hold vanished before its TTL.
//   Without appointease_hold a poll answers taken when the time is booked, and lost when the
//   time is in neither list while the answer says redis_status "available" (the plugin lists
//   every hold it has in Redis, the caller's own included); a time listed as held, or missing
//   from an answer that does not say so (the plugin's fallback lists no holds), is no answer.
//   A hold that vanishes there is measured only when a later poll of its holder says so.
//
// visibility_lag_ms — for an OK select of S by A completing at t0, consider the OK polls of the
//   same (employee, date) by clients other than A, not re-asserting S (a poll with
//   selected_time S comes from a client that believes it holds S itself: no observer of A's
//   hold), invoked after t0 and before A's belief ends. If the earliest-invoked of them shows S
//   in others_held, the lag is 0; otherwise it is the invocation time of the earliest-invoked
//   one that shows S, minus t0. If none shows S before A's belief ends, nothing is recorded and
//   visibility_unseen counts it. Only the latest pending select per slot is followed: a newer
//   OK select of S by another belief resolves the older one at once (a sighting is recorded,
//   otherwise it counts as unseen). Selects still pending when Finish() cuts their belief at
//   `end` count nowhere. A re-select of S by the same belief keeps the earlier t0.
//
// double_bookings — a booking is acknowledged-active on a slot from the completion of an OK
//   confirm (or OK reschedule onto that slot) that named it until the invocation of a cancel of
//   it (outcome ok or unknown) or of a reschedule moving it away (ok or unknown) — except that
//   a lost booking (below) is taken to have vanished right after the last OK answer that named
//   it: its interval on its last acknowledged slot ends there. (The history cannot tell when it
//   vanished; a slot rebooked after that answer is the lost booking's, not a double booking,
//   while an overlap up to it, both bookings then in evidence, still counts.) The count is the
//   number of double-booking episodes: maximal stretches of time during which a slot has two
//   or more acknowledged-active bookings (one more each time a booking joins a slot that has
//   exactly one). Plus, at Finish(), each slot with more than one active booking in the final
//   state, unless the slot is still inside a history episode at `end` (then it is the same
//   episode). Which bookings are lost is known only at Finish(): before it, episodes are counted
//   as if none were; each moment a booking joins a slot that already has one is kept (its slot,
//   time, booking and the other bookings' ids: 32 + 8 per other bytes, at most
//   max_double_candidates of them) and Finish() decides it again. Beyond the cap a moment is
//   decided when it settles, as if no booking were lost.
//
// lost_bookings — at Finish(): a booking acknowledged by an OK confirm or reschedule, for
//   which no cancel was ever invoked (any outcome excuses it), that is absent from the final
//   active bookings, or present on another slot than its last acknowledged one (unless a
//   reschedule of it had an unknown outcome after that acknowledgement).
//
// phantom_bookings — at Finish(): a final active booking whose id never appeared in an OK
//   confirm or reschedule answer, and whose idempotency key is not that of any confirm with an
//   unknown outcome (such a confirm may have committed it without anyone being told).
//
// GUARANTEES (what adversarial clients probe; docs/consistency.md, "Guarantees"):
//
// foreign_releases — an OK deselect of S by client X, followed by X's next OK poll of that
//   (employee, date) invoked after the deselect's completion, not re-asserting S, whose answer
//   lists S neither as held by others nor as booked, while another client Y had a belief on S
//   that began no later than the deselect's invocation and had not ended by that poll's
//   invocation: the target let X release Y's hold. Counted once per such deselect. A deselect
//   whose client does not poll that day within 2 x max_op_duration is forgotten.
//
// foreign_cancels — an OK cancel by client X of a booking acknowledged to another client. A
//   refused foreign cancel neither ends the booking nor excuses its loss (lost_bookings); one
//   with an unknown outcome excuses it (it may have taken effect).
//
// Counts before Finish() cover only what has settled; lost and phantom bookings, and the final
// state's double bookings, exist only after it, and double_bookings may still go down at it.
//
// measurement — what the final-state read-back given to Finish() could show (measurement.h):
//   a read-back by id leaves phantoms unmeasured and double bookings partial; none leaves lost
//   and phantom bookings unmeasured (reported 0 with status not_measured, never as a clean 0)
//   and double bookings partial. The rules above are the same whatever the read-back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/histogram.h"
#include "engine/types.h"
#include "simulator/observe/history.h"
#include "simulator/observe/measurement.h"

namespace slotsim {

struct CheckerOptions {
  // The lifetime of a hold whose answer stated no expiry (the engine's hold TTL).
  Millis hold_ttl{300000};
  // The longest an operation stays in flight (invoke -> completion, plus the lateness of its
  // record). Decisions about an instant wait this long; state lives this much longer.
  Millis max_op_duration{65000};
  // Hold conflicts whose overlap interval is kept (16 bytes each) so that failover windows
  // declared later still classify them. Beyond this many, a conflict is classified against the
  // windows declared by the time it settles.
  size_t max_conflict_intervals = size_t{1} << 22;
  // Double-booking candidates (a booking joining a slot that already has one: 32 bytes plus 8
  // per other booking) kept until Finish() knows which bookings were lost. Beyond this many, a
  // candidate is decided when it settles, as if no booking were lost.
  size_t max_double_candidates = size_t{1} << 20;
};

// A period during which Redis was out or the engine had not yet settled back on it: from the
// outage's start until the engine is back on Redis plus a grace. Conflicts there are expected
// in some profiles, so they are counted apart.
struct FailoverWindow {
  Timestamp start;
  Timestamp end;
  bool operator==(const FailoverWindow&) const = default;
};

struct LagSummaryMs {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
  bool operator==(const LagSummaryMs&) const = default;
};

struct ConsistencyReport {
  uint64_t records = 0;       // Record() calls
  uint64_t ops_checked = 0;   // records the rules read (every kind but availability)
  uint64_t late_records = 0;  // records invoked more than max_op_duration before the watermark
  uint64_t double_bookings = 0;
  uint64_t lost_bookings = 0;
  uint64_t phantom_bookings = 0;
  uint64_t hold_conflicts = 0;
  int64_t hold_conflict_total_us = 0;
  double hold_conflict_total_ms = 0;  // hold_conflict_total_us / 1000
  uint64_t hold_conflicts_outside_failover = 0;
  uint64_t lost_holds = 0;
  Histogram visibility_lag_us;     // µs, 3 digits; mergeable across shards
  LagSummaryMs visibility_lag_ms;  // p50 / p99 / max of visibility_lag_us, in ms
  uint64_t visibility_unseen = 0;
  uint64_t foreign_releases = 0;
  uint64_t foreign_cancels = 0;
  bool finished = false;  // Finish() has run: every figure is final
  // How Finish() was given the final state, and what that leaves unmeasured per figure.
  ReadBack read_back = ReadBack::kComplete;
  ConsistencyMeasurement measurement;
  bool operator==(const ConsistencyReport&) const = default;
};

// How much state the checker holds right now (for tests and the progress line).
struct CheckerMemory {
  size_t beliefs = 0;             // live and retained belief episodes
  size_t slots = 0;               // slots ever touched
  size_t bookings = 0;            // bookings ever seen
  size_t pending_tasks = 0;       // scheduled settle decisions
  size_t pending_visibility = 0;  // selects waiting to be seen
  size_t conflict_intervals = 0;  // kept to classify conflicts against failover windows
  size_t double_candidates = 0;   // kept until Finish() knows the lost bookings
};

class Checker : public HistorySink {
 public:
  explicit Checker(CheckerOptions options = {});
  ~Checker() override;
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // Consumes one completed operation. Records must arrive in completion order, up to
  // max_op_duration of disorder. Records after Finish() are ignored (counted in late_records).
  // O(1) amortized; no allocation except when new state (a belief, slot, booking) appears.
  void Record(const OpRecord& op) override;

  // Declares a failover window. May be called at any time before report(): conflicts are
  // classified against windows in report(), except those beyond max_conflict_intervals (see
  // CheckerOptions). history.jsonl keeps the position of each window among the records, so
  // an offline check classifies exactly as the online one did.
  void AddFailoverWindow(Timestamp start, Timestamp end);

  // Ends the run at `end` with the store's final active bookings (cancelled ones are ignored):
  // settles everything and computes the final-state rules. Only the first call counts.
  // `read_back` (and why it was not complete) is how a target could read them (measurement.h):
  // the report's measurement says what it leaves unmeasured.
  void Finish(const std::vector<Booking>& final_active_bookings, Timestamp end,
              ReadBack read_back = ReadBack::kComplete, const std::string& reason = "");

  // The figures so far (final after Finish()).
  ConsistencyReport report() const;

  CheckerMemory memory() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim
