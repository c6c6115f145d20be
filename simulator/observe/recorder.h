// Recorder: turns completed operations into the run's measurements (docs/architecture.md, "What is
// measured"): latency per op x storage mode x phase in HDR histograms, both corrected (from the
// intended start, so a stalled client does not hide a stall) and raw (from the actual send),
// per-interval throughput and error time series, client counts, and the failover timeline
// (fault windows, mode switches, per-outage detect/recover times and errors).
//
// Phases. `outage` runs from FaultStarted to FaultEnded (while any fault is open). At
// FaultEnded, if the engine is in MySQL mode, `recovery` runs until the ModeSwitched back to
// Redis; if it is not (it never left Redis, or already came back during the fault), the run is
// `steady` again at once. Each operation is filed by the phase at its completion time, as far as
// the timeline reported so far tells (PhaseAt).
//
// Per outage:
// - detect_ms: the first completed op served by MySQL at or after the fault start (and before
//   the outage's recovery ended), minus the fault start. Absent if none was.
// - recover_ms: the ModeSwitched to Redis that ends the recovery, minus the fault end. If the
//   engine came back to Redis before the fault ended (a flap, or a probe that got through), the
//   time from the fault end to that switch is negative and clamped to 0. Absent if the engine
//   never left Redis during the outage (nothing to recover from) or was still on MySQL at
//   Finish. Legacy engines without a breaker never switch: their outages show detect_ms from
//   the first op that fell back, and recover_ms 0 when some op fell back before the fault end.
// - errors: error ops completing from the fault start until the recovery ended.
// All *_ms values are whole milliseconds, truncated.
//
// Overlapping faults: FaultEnded closes the oldest open fault; the phase is `outage` while any
// fault is open.
//
// Not thread-safe: real targets funnel records through one thread. Records should arrive in
// completion order (HistorySink's contract); a record older than the current time-series
// interval still counts in its own row, but not in that row's p99.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/histogram.h"
#include "engine/failover_store.h"
#include "simulator/observe/history.h"

namespace slotsim {

enum class Phase { kSteady, kOutage, kRecovery };
inline constexpr int kPhases = 3;
std::string_view PhaseName(Phase p);  // "steady" | "outage" | "recovery"
std::optional<Phase> PhaseFromName(std::string_view name);

// Modes a latency is filed under: what served it.
inline constexpr int kModes = 3;  // StorageMode kMemory, kRedis, kMySql
// Status codes (Code::kOk .. Code::kMalformedAnswer).
inline constexpr int kCodes = kCodeCount;

// True for a failed answer the client expects as part of the booking flow (SlotHeld,
// SlotBooked, SlotTaken, NotHolder, NotFound, InvalidArgument): counted in `codes`, not `errors`.
bool IsDomainAnswer(Code code);
// True for an operation that counts as an error: outcome unknown, or a failure that is not a
// domain answer (Unavailable, Timeout, Internal, Unimplemented).
bool IsErrorOp(Outcome outcome, Code code);
// The kind an error op is counted under (RunMetrics::errors_by_kind, summary.json
// errors.by_kind): its code's name in snake_case — "malformed_answer", "unavailable",
// "timeout", "internal", "unimplemented" (a domain code only with an unknown outcome).
std::string ErrorKindName(Code code);

struct LatencyPair {
  Histogram corrected;  // completed - intended, µs
  Histogram raw;        // completed - invoked, µs
};

struct OpMetrics {
  uint64_t count = 0;
  uint64_t errors = 0;  // outcome fail (other than expected domain answers) or unknown
  // Operations the harness could not send (answer class not_sent: refused connection, connect
  // timeout, the harness at its in-flight limit): their latency was not measured, and they are
  // in no latency histogram.
  uint64_t not_sent = 0;
  std::map<std::string, uint64_t> codes;       // answer code name -> count (OK included)
  std::array<uint64_t, kModes> mode_errors{};  // errors by what served them
  // [mode][phase]; every op that was sent, errors included, is recorded here.
  std::array<std::array<LatencyPair, kPhases>, kModes> latency;
};

// One row of the time series: everything that completed within [start, start + interval).
// Rows are contiguous from 0: an interval where nothing completed is a row of zeros.
struct TimeRow {
  Micros start{0};  // since the run start
  std::array<uint64_t, kOpKinds> ops{};
  std::array<uint64_t, kOpKinds> errors{};
  std::array<int64_t, kOpKinds> p99_us{};  // corrected latency p99 within the interval, 0 if none
  // Live clients when the interval's last operation completed; an empty interval carries the
  // previous row's value (or the current count when it is the first row).
  uint64_t live_clients = 0;
  // Clients that gave up in the interval because their day had no free slot left to try.
  uint64_t sold_out = 0;
  // What served the interval's last operation; an empty interval carries the previous row's.
  StorageMode mode = StorageMode::kRedis;
};

struct OutageMetrics {
  std::string kind;
  Micros start{0}, end{0};            // since the run start (fault injected / cleared)
  std::optional<int64_t> detect_ms;   // fault start -> first answer served by MySQL
  std::optional<int64_t> recover_ms;  // fault end -> engine back on Redis
  uint64_t errors = 0;                // client-visible errors from start to recovery
};

struct RunMetrics {
  std::array<OpMetrics, kOpKinds> ops;
  std::vector<TimeRow> timeseries;
  std::vector<OutageMetrics> outages;
  std::vector<ModeSwitch> switches;
  std::map<std::string, uint64_t> errors_by_kind;  // every error op (IsErrorOp), by ErrorKindName
  // Every error op by its answer class (AnswerClassName: "server_error", "timeout", ...).
  std::map<std::string, uint64_t> errors_by_class;
  uint64_t clients_peak = 0;
  uint64_t clients_total = 0;
  uint64_t clients_sold_out = 0;  // clients that gave up: no free slot left on their day
  uint64_t records = 0;
  Timestamp start;  // the run's start: every Micros above counts from here
  Micros duration{0};
  Micros timeseries_interval{1'000'000};
};

struct RecorderOptions {
  Timestamp start;
  Micros timeseries_interval{1'000'000};  // must be > 0
  int significant_digits = 3;
  StorageMode initial_mode = StorageMode::kRedis;  // the engine's mode at `start`
};

class Recorder : public HistorySink {
 public:
  explicit Recorder(RecorderOptions options);

  // Files one completed operation. O(1) and allocation-free once each histogram region and
  // time-series row exists.
  void Record(const OpRecord& op) override;

  // The failover timeline, fed by the target as things happen, in time order.
  void FaultStarted(const std::string& kind, Timestamp at);
  void FaultEnded(Timestamp at);
  void ModeSwitched(const ModeSwitch& sw);
  void ClientsChanged(uint64_t live, uint64_t total);
  // A client gave up at `at` because its day had no free slot left (the calendar is full).
  void ClientSoldOut(Timestamp at);
  // Where Record reads the live-client count it stamps on the time series' rows, exact at each
  // operation (without it, the last ClientsChanged value: housekeeping is rare on a small run).
  void CountLiveClientsWith(std::function<uint64_t()> live) { live_source_ = std::move(live); }

  // The phase an operation completing at `t` belongs to, given what is known now.
  Phase PhaseAt(Timestamp t) const;

  // Closes open windows (an open fault ends at `end`), fills the time series up to `end`, and
  // returns the measurements. Call once; the recorder is spent afterwards.
  RunMetrics Finish(Timestamp end);

 private:
  // Bookkeeping beside each OutageMetrics, in absolute time.
  struct OutageTrack {
    Timestamp start;
    std::optional<Timestamp> end;
    std::optional<Timestamp> recovery_end;  // set once the outage's window is over
    bool left_redis = false;                // the engine was on MySQL at some point in it
  };

  size_t RowFor(Timestamp t);
  void CloseIntervalP99();
  void SetPhase(Timestamp at);  // records the phase the current state implies
  void NoteOutageOp(const OpRecord& op, bool error);
  void EndRecovery(Timestamp at);

  RecorderOptions options_;
  RunMetrics metrics_;
  StorageMode mode_;
  int open_faults_ = 0;
  bool in_recovery_ = false;
  uint64_t live_clients_ = 0;
  std::function<uint64_t()> live_source_;
  std::vector<std::pair<Timestamp, Phase>> phase_changes_;
  std::vector<OutageTrack> tracks_;
  std::array<std::array<uint64_t, kCodes>, kOpKinds> code_counts_{};
  std::array<uint64_t, kCodes> error_codes_{};            // error ops by code
  std::array<uint64_t, kAnswerClasses> error_classes_{};  // error ops by answer class
  size_t current_row_ = 0;                                // the row interval_p99_ belongs to
  std::vector<Histogram> interval_p99_;                   // per op, reset each interval
};

}  // namespace slotsim
