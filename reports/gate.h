// Gate: compares a run's summary.json against a baseline summary.json and decides whether the
// run regressed (`slotsim gate`, docs/ci.md). Metrics are named as in the threshold catalogue
// (simulator/threshold.h, docs/scenarios.md) and read with MetricValue (reports/thresholds.h).
//
// Compared by default ("the metrics that matter"):
//   latency.<op>.p50|p90|p99|p999          every op with samples in the baseline or the run
//   latency.<op>.<mode>.p50|p99            redis and mysql, only when both have samples
//   ops.<op>.error_rate, errors.rate
//   failover.detect_ms.max, failover.recover_ms.max
//   throughput.ops_per_s                   higher is better: a regression is a DROP
//   consistency.double_bookings|lost_bookings|phantom_bookings|hold_conflicts|
//     hold_conflicts_outside_failover|lost_holds, consistency.visibility_lag_ms.p99
// With patterns (globs such as "latency.poll.*", fnmatch without FNM_PATHNAME, so '*' also
// matches dots) the candidates are instead every catalogue name matching one of them.
//
// A row regresses when it got worse by more than the bound (`max_regression`, a fraction of the
// baseline) AND by at least the metric's absolute floor — so a p99 of 3 µs becoming 5 µs is
// noise, not a failure:
//   latency.*, latency_raw.* (µs) and *_ms      floor `latency_floor_us` (default 1 ms)
//   error rates (fractions)                     floor 0.001 (0.1 percentage point)
//   throughput.ops_per_s, run.events_per_s      floor 1 (per second)
//   consistency.* counts                        floor 0, and ANY increase from 0 regresses
//   other counts / numbers                      floor 0;  run.wall_s 1 s
// Higher is better for throughput.ops_per_s, run.events_per_s and ops.<op>.count; lower for
// everything else. A metric the baseline measured but the run did not (a latency with no
// samples, a detect_ms never measured) regresses ("no data"): a gate never passes on a
// measurement that was not taken. One only the run has is reported as "new" and passes. A
// figure the run did not fully measure (reports/thresholds.h MetricMeasurement: a lost or
// phantom booking count without a read-back, a latency with unsent operations) regresses with
// the note "not measured: <reason>" whatever its value — or, with allow_unmeasured, is
// "skipped"; one the baseline did not measure is "new".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace slotsim {

struct GateOptions {
  double max_regression = 0.10;       // fraction of the baseline, >= 0
  int64_t latency_floor_us = 1'000;   // latency and *_ms differences below this never fail
  std::vector<std::string> patterns;  // globs over metric names; empty = the default set
  // A metric the run did not fully measure is skipped instead of regressed (--allow-unmeasured).
  bool allow_unmeasured = false;
};

enum class GateVerdict {
  kOk,          // within the bound
  kBetter,      // improved by more than the bound (and the floor)
  kBelowFloor,  // worse by more than the bound, but by less than the floor: noise
  kNew,         // the baseline has no data for it
  kRegressed,   // worse beyond the bound and the floor, no data in the run, or not measured
                // in the run (consistency.measurement, ops.<op>.measurement)
  kSkipped,     // not measured in the run, and GateOptions::allow_unmeasured
};
std::string_view GateVerdictName(GateVerdict v);  // "ok", "better", "below floor", "new",
                                                  // "REGRESSED", "skipped"

struct GateRow {
  std::string metric;
  std::optional<double> baseline;  // in the metric's unit; nullopt = no data
  std::optional<double> run;
  GateVerdict verdict = GateVerdict::kOk;
  std::string note;  // why, when the verdict needs it ("no data", "was 0"), else ""
};

struct GateResult {
  std::vector<GateRow> rows;  // in the order of the candidates; rows with no data on either
                              // side are left out
  int regressions = 0;
  bool passed() const { return regressions == 0; }
};

// "10%" -> 0.10, "0.1" -> 0.1. InvalidArgument naming the text for anything else: not a
// number, negative, a bare number above 1 (write "150%" for that), trailing characters.
StatusOr<double> ParseMaxRegression(std::string_view text);

// The default metric names for these two summaries (see the top of this file).
std::vector<std::string> DefaultGateMetrics(const nlohmann::json& run,
                                            const nlohmann::json& baseline);

// Compares `run` against `baseline`. InvalidArgument when a pattern matches no catalogue name
// (naming it) or the options are out of range.
StatusOr<GateResult> CompareToBaseline(const nlohmann::json& run, const nlohmann::json& baseline,
                                       const GateOptions& options);

// The before/after table: metric, baseline, run (in the metric's unit), ratio run/baseline,
// verdict and note, then a one-line verdict. Ends with '\n'.
std::string GateTable(const GateResult& result, const GateOptions& options);

}  // namespace slotsim
