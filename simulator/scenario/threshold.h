// Threshold: one pass/fail condition of a scenario, `"metric" = "<op> <value>"`, e.g.
// `"latency.poll.p99" = "< 20ms"`. This file also holds the catalogue of metric names slotsim
// produces (docs/scenarios.md, "Metrics"); a threshold on a name outside it is an error, never
// a silent pass. Each metric has one unit, and a threshold's value is stored in that unit:
//   latency.* and latency_raw.*   microseconds; conditions take us, ms or s (bare number = ms)
//   *_ms                          milliseconds; conditions take us, ms or s (bare number = ms)
//   run.wall_s                    seconds; conditions take us, ms or s (bare number = s)
//   *.error_rate, errors.rate     a fraction; conditions take a bare number or a percentage
//   everything else               a plain number (counts, per-second rates, megabytes)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace slotsim {

enum class Comparison { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };
std::string_view ComparisonSymbol(Comparison op);  // "<", "<=", ">", ">=", "==", "!="

enum class MetricUnit {
  kMicros,    // latency.*, latency_raw.*
  kMillis,    // *_ms
  kSeconds,   // run.wall_s
  kFraction,  // error rates, 0..1
  kNumber,    // counts, per-second rates, megabytes
};

struct Threshold {
  std::string metric;     // a name from the catalogue, e.g. "latency.poll.p99"
  std::string condition;  // as written, e.g. "< 20ms"
  Comparison op = Comparison::kLess;
  double value = 0;  // in the metric's unit (MetricUnitOf(metric)): 20000 for "< 20ms" on a latency
  // Checked while the run goes (about once per second of run time, from `grace` on): a failure
  // stops the run early instead of letting a hopeless run take its full duration.
  bool abort_on_fail = false;
  Micros grace{0};
  // A metric that was not (fully) measured (simulator/observe/measurement.h) fails its
  // threshold; with allow_unmeasured the threshold is skipped instead, and says so.
  bool allow_unmeasured = false;

  // Whether a measured value, in the metric's unit, satisfies the condition. A NaN (a metric
  // that could not be measured) never holds.
  bool Holds(double measured) const;
};

// OK if `metric` is in the catalogue; otherwise InvalidArgument naming the metric, the part
// that is wrong, and the allowed names for it.
Status CheckMetricName(std::string_view metric);

// The unit a catalogued metric is measured and compared in.
StatusOr<MetricUnit> MetricUnitOf(std::string_view metric);

// Every name of the catalogue, written out (latency families expanded over every op, mode,
// phase and stat). For documentation checks and reports that list what can be gated.
std::vector<std::string> MetricCatalogue();

// Parses `condition` ("<op> <value>[unit]", spaces optional) for `metric`. Errors (unknown
// metric, missing or unknown operator, bad number, a unit the metric does not take) are
// InvalidArgument naming the threshold and listing what is allowed.
StatusOr<Threshold> ParseThreshold(std::string_view metric, std::string_view condition);

}  // namespace slotsim
