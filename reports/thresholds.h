// Threshold evaluation: resolves the metric names of the threshold catalogue
// (simulator/threshold.h) against a summary.json document (reports/summary.h) and checks each
// scenario threshold. The results fill summary.json "thresholds" and drive exit code 99.
//
// Where each metric family is read from (units as threshold.h says):
//   latency.<op>[.<mode>][.<phase>].<stat>   ops.<op>[.by_mode.<mode>][.by_phase.<phase>]
//                                            .latency_us.<stat>            (µs)
//   latency_raw.…                            the same path, raw_latency_us (µs)
//   ops.<op>.count|errors|error_rate         ops.<op>.…
//   errors.count|rate, throughput.ops_per_s  the top-level objects of the same names
//   consistency.<name>[.<stat>]              consistency.… (visibility_lag_ms in ms)
//   failover.detect_ms.max|recover_ms.max    the largest non-null value over failover.outages
//   failover.errors                          the sum of failover.outages[].errors
//   failover.mode_switches|outages           failover.mode_switches, failover.outages.length
//   clients.*, run.*                         those objects
//
// No data. A count, rate or other plain number that is absent reads as 0 (nothing happened).
// A latency with no samples (its `count` is 0, e.g. latency.confirm.mysql when nothing ran on
// MySQL), a visibility lag never measured, and detect_ms / recover_ms with no outage or none
// measured have no value: MetricValue returns nullopt and the threshold FAILS with value null
// and the note "no data" — a gate must not pass on a measurement that was never taken.
//
// Not measured. A figure whose measurement (MetricMeasurement: consistency.measurement.<figure>
// for consistency.*, ops.<op>.measurement for latency[_raw].<op>.*; everything else is always
// measured) is partial or not_measured FAILS its threshold whatever its value, with measured
// false and the note "not measured: <reason>" (or "partially measured: <reason>; missing
// <what>"). With the threshold's allow_unmeasured it is SKIPPED instead: ok true (it does not
// fail the run), skipped true, and the note "skipped: ...". A measured figure compares as usual.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/observe/measurement.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {

struct ThresholdResult {
  std::string metric;
  std::string condition;        // as written in the scenario
  std::optional<double> value;  // in the metric's unit; nullopt when there was no data
  bool ok = false;       // false only when it failed; a skipped threshold is ok
  bool measured = true;  // the figure was fully measured
  bool skipped = false;  // not measured and allow_unmeasured: not judged
  bool allow_unmeasured = false;  // the threshold's own setting
  std::string note;      // why it failed without a comparison ("no data", unknown metric, not
                         // measured), why it was skipped, or ""
};

// The measurement of a catalogued `metric` in `summary` (see the top of this file).
Measurement MetricMeasurement(const nlohmann::json& summary, std::string_view metric);
// "not measured: <reason>" / "partially measured: <reason>; missing <what>".
std::string UnmeasuredNote(const Measurement& m);

// The value of a catalogued `metric` in `summary`, in the metric's unit, or nullopt when it has
// no data (see the top of this file). Also nullopt for a name outside the catalogue.
std::optional<double> MetricValue(const nlohmann::json& summary, std::string_view metric);

// Checks every threshold, in order, against `summary`.
std::vector<ThresholdResult> EvaluateThresholds(const nlohmann::json& summary,
                                                const std::vector<Threshold>& thresholds);

// summary.json "thresholds": [{metric, condition, value (number or null), ok, measured, skipped,
// allow_unmeasured, note}].
nlohmann::json ThresholdsJson(const std::vector<ThresholdResult>& results);

// True when every result is ok (also for none).
bool AllThresholdsPassed(const std::vector<ThresholdResult>& results);

}  // namespace slotsim
