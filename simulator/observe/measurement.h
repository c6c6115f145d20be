// Measurement: whether a figure of a run could be measured, and the final-state read-back that
// decides it for the figures that need the store's final bookings (docs/consistency.md,
// "What was measured"). A figure that was not (fully) measured is never a silent 0: it carries
// its status, the reason and what is missing, into summary.json, every report and every
// threshold on it (reports/thresholds.h).
//
// Read-back kinds and what each leaves unmeasured:
//   complete  the whole store / table was read (sim, local, http with [target] mysql or
//             spawn = true): every figure measured.
//   by_id     http: GET appointments/{id} for each booking the answers named. Lost bookings
//             are measured; phantom bookings are not (an id never named cannot be asked for);
//             double bookings are partial (a final-state double with an unnamed booking is
//             not seen).
//   none      no read-back route: the answers' own account. Lost and phantom bookings are not
//             measured; double bookings are partial (history episodes only, no final state).
// Hold conflicts, lost holds and visibility lag come from the history alone: always measured.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.h"

namespace slotsim {

enum class ReadBack { kComplete, kById, kNone };
std::string_view ReadBackName(ReadBack r);  // "complete" | "by_id" | "none"
std::optional<ReadBack> ReadBackFromName(std::string_view name);

// The store's final state as a target could read it: the active bookings (the checker's
// truth), how they were read, and, unless complete, why no better read was possible.
struct FinalState {
  std::vector<Booking> bookings;
  ReadBack read_back = ReadBack::kComplete;
  std::string reason;  // "" when complete
};

enum class MeasureStatus { kMeasured, kPartial, kNotMeasured };
std::string_view MeasureStatusName(MeasureStatus s);  // "measured" | "partial" | "not_measured"
std::optional<MeasureStatus> MeasureStatusFromName(std::string_view name);

struct Measurement {
  MeasureStatus status = MeasureStatus::kMeasured;
  std::string reason;   // why not (fully) measured; "" when measured
  std::string missing;  // partial: what part is missing; "" otherwise
  bool measured() const { return status == MeasureStatus::kMeasured; }
  bool operator==(const Measurement&) const = default;
};

// The less measured of two (a merge of shards): not_measured over partial over measured; the
// first one's reason when they tie.
const Measurement& LessMeasured(const Measurement& a, const Measurement& b);

// Per figure of ConsistencyReport.
struct ConsistencyMeasurement {
  Measurement double_bookings;
  Measurement lost_bookings;
  Measurement phantom_bookings;
  Measurement hold_conflicts;
  Measurement lost_holds;
  Measurement visibility_lag;
  bool operator==(const ConsistencyMeasurement&) const = default;
};

// What a read-back of this kind leaves unmeasured (the table at the top of this file);
// `reason` says why the read-back was not complete.
ConsistencyMeasurement MeasurementOf(ReadBack read_back, const std::string& reason);

}  // namespace slotsim
