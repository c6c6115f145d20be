// Comparing a run against a baseline, row by row.
#include "reports/gate.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "reports/report_format.h"
#include "reports/summary_fields.h"
#include "reports/thresholds.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr double kRateFloor = 0.001;
constexpr double kPerSecondFloor = 1;
constexpr double kWallSecondsFloor = 1;

enum class Direction { kLowerIsBetter, kHigherIsBetter };

// How one metric is judged.
struct Rule {
  Direction direction = Direction::kLowerIsBetter;
  double floor = 0;             // in the metric's unit
  bool zero_is_strict = false;  // any increase from 0 regresses, whatever the bound
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Rule RuleFor(const std::string& metric, const GateOptions& options) {
  Rule rule;
  if (metric == "throughput.ops_per_s" || metric == "run.events_per_s") {
    return {Direction::kHigherIsBetter, kPerSecondFloor, false};
  }
  if (StartsWith(metric, "ops.") && EndsWith(metric, ".count")) {
    return {Direction::kHigherIsBetter, 0, false};
  }
  const StatusOr<MetricUnit> unit = MetricUnitOf(metric);
  if (!unit.ok()) return rule;
  switch (*unit) {
    case MetricUnit::kMicros:
      rule.floor = static_cast<double>(options.latency_floor_us);
      break;
    case MetricUnit::kMillis:
      rule.floor = static_cast<double>(options.latency_floor_us) / 1000.0;
      break;
    case MetricUnit::kSeconds:
      rule.floor = kWallSecondsFloor;
      break;
    case MetricUnit::kFraction:
      rule.floor = kRateFloor;
      break;
    case MetricUnit::kNumber:
      rule.zero_is_strict = StartsWith(metric, "consistency.");
      break;
  }
  return rule;
}

// The verdict on two measured values.
GateRow Judge(GateRow row, const Rule& rule, double bound) {
  const double base = *row.baseline, run = *row.run;
  // Positive when the run is worse.
  const double worse_by = rule.direction == Direction::kLowerIsBetter ? run - base : base - run;
  const double allowed = bound * std::fabs(base);
  if (rule.zero_is_strict && base == 0 && run > 0) {
    row.verdict = GateVerdict::kRegressed;
    row.note = "was 0";
  } else if (worse_by > allowed) {
    const bool noise = worse_by < rule.floor;
    row.verdict = noise ? GateVerdict::kBelowFloor : GateVerdict::kRegressed;
  } else if (-worse_by > allowed && -worse_by >= rule.floor && -worse_by > 0) {
    row.verdict = GateVerdict::kBetter;
  }
  return row;
}

std::optional<GateRow> CompareMetric(const std::string& metric, const json& run,
                                     const json& baseline, const GateOptions& options) {
  GateRow row;
  row.metric = metric;
  row.baseline = MetricValue(baseline, metric);
  row.run = MetricValue(run, metric);
  if (!row.baseline && !row.run) return std::nullopt;
  // A figure the run did not fully measure is no evidence of "no regression".
  if (const Measurement m = MetricMeasurement(run, metric); !m.measured()) {
    row.verdict = options.allow_unmeasured ? GateVerdict::kSkipped : GateVerdict::kRegressed;
    row.note = UnmeasuredNote(m);
    return row;
  }
  if (!MetricMeasurement(baseline, metric).measured()) {
    row.verdict = GateVerdict::kNew;
    row.note = "not measured in the baseline";
    return row;
  }
  if (!row.baseline) {
    row.verdict = GateVerdict::kNew;
    return row;
  }
  if (!row.run) {
    row.verdict = GateVerdict::kRegressed;
    row.note = "no data";
    return row;
  }
  return Judge(std::move(row), RuleFor(metric, options), options.max_regression);
}

std::vector<std::string> UnionOfOps(const json& a, const json& b) {
  std::vector<std::string> ops = OpNamesOf(ObjectAt(a, "ops"));
  for (const std::string& op : OpNamesOf(ObjectAt(b, "ops"))) {
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
  }
  return ops;
}

StatusOr<std::vector<std::string>> Candidates(const json& run, const json& baseline,
                                              const GateOptions& options) {
  if (options.patterns.empty()) return DefaultGateMetrics(run, baseline);
  const std::vector<std::string> catalogue = MetricCatalogue();
  std::vector<std::string> out;
  for (const std::string& pattern : options.patterns) {
    size_t matched = 0;
    for (const std::string& name : catalogue) {
      if (fnmatch(pattern.c_str(), name.c_str(), 0) != 0) continue;
      ++matched;
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    if (matched == 0) {
      return Status::InvalidArgument("--metric \"" + pattern +
                                     "\" matches no metric of the catalogue (docs/scenarios.md)");
    }
  }
  return out;
}

std::string RatioText(const GateRow& row) {
  if (!row.baseline || !row.run) return "-";
  if (*row.baseline == 0) return *row.run == 0 ? "1.00x" : "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", *row.run / *row.baseline);
  return buf;
}

std::string ValueText(const std::string& metric, const std::optional<double>& v) {
  if (!v) return "no data";
  // Rates per second (throughput) need no ten digits; counts stay whole.
  const StatusOr<MetricUnit> unit = MetricUnitOf(metric);
  if (unit.ok() && *unit == MetricUnit::kNumber && std::floor(*v) != *v) return FixedText(*v, 1);
  return ThresholdValueText(metric, *v);
}

std::string PercentText(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", fraction * 100);
  return buf;
}

std::string Pad(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

std::string_view GateVerdictName(GateVerdict v) {
  switch (v) {
    case GateVerdict::kOk:
      return "ok";
    case GateVerdict::kBetter:
      return "better";
    case GateVerdict::kBelowFloor:
      return "below floor";
    case GateVerdict::kNew:
      return "new";
    case GateVerdict::kRegressed:
      return "REGRESSED";
    case GateVerdict::kSkipped:
      return "skipped";
  }
  return "?";
}

StatusOr<double> ParseMaxRegression(std::string_view text) {
  const std::string what = "--max-regression \"" + std::string(text) +
                           "\": expected a percentage like 10% or a fraction like 0.1";
  const bool percent = !text.empty() && text.back() == '%';
  const std::string_view number = percent ? text.substr(0, text.size() - 1) : text;
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
      !std::isfinite(value)) {
    return Status::InvalidArgument(what);
  }
  if (value < 0) return Status::InvalidArgument(what + " (not negative)");
  if (!percent && value > 1) {
    return Status::InvalidArgument(what + " (a bare number is a fraction: write " +
                                   std::string(number) + "% for a percentage)");
  }
  return percent ? value / 100.0 : value;
}

std::vector<std::string> DefaultGateMetrics(const nlohmann::json& run,
                                            const nlohmann::json& baseline) {
  std::vector<std::string> out;
  const std::vector<std::string> ops = UnionOfOps(run, baseline);
  for (const std::string& op : ops) {
    for (const char* stat : {"p50", "p90", "p99", "p999"}) {
      out.push_back("latency." + op + "." + stat);
    }
    for (const char* mode : {"redis", "mysql"}) {
      const std::string probe = "latency." + op + "." + mode + ".p99";
      if (!MetricValue(run, probe) || !MetricValue(baseline, probe)) continue;
      for (const char* stat : {"p50", "p99"}) {
        out.push_back("latency." + op + "." + mode + "." + stat);
      }
    }
  }
  for (const std::string& op : ops) out.push_back("ops." + op + ".error_rate");
  for (const char* name :
       {"errors.rate", "throughput.ops_per_s", "failover.detect_ms.max", "failover.recover_ms.max",
        "consistency.double_bookings", "consistency.lost_bookings", "consistency.phantom_bookings",
        "consistency.hold_conflicts", "consistency.hold_conflicts_outside_failover",
        "consistency.lost_holds", "consistency.visibility_lag_ms.p99"}) {
    out.emplace_back(name);
  }
  return out;
}

StatusOr<GateResult> CompareToBaseline(const nlohmann::json& run, const nlohmann::json& baseline,
                                       const GateOptions& options) {
  if (!(options.max_regression >= 0) || options.latency_floor_us < 0) {
    return Status::InvalidArgument("gate: the bound and the floor must not be negative");
  }
  SLOTSIM_ASSIGN_OR_RETURN(const std::vector<std::string> metrics,
                           Candidates(run, baseline, options));
  GateResult result;
  for (const std::string& metric : metrics) {
    std::optional<GateRow> row = CompareMetric(metric, run, baseline, options);
    if (!row) continue;
    if (row->verdict == GateVerdict::kRegressed) ++result.regressions;
    result.rows.push_back(std::move(*row));
  }
  return result;
}

std::string GateTable(const GateResult& result, const GateOptions& options) {
  std::vector<std::vector<std::string>> cells = {{"metric", "baseline", "run", "ratio", "verdict"}};
  for (const GateRow& row : result.rows) {
    std::string verdict(GateVerdictName(row.verdict));
    if (!row.note.empty()) verdict += " (" + row.note + ")";
    cells.push_back({row.metric, ValueText(row.metric, row.baseline),
                     ValueText(row.metric, row.run), RatioText(row), verdict});
  }
  std::vector<size_t> width(5, 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      const bool last = c + 1 == line.size();
      text += last ? line[c] : Pad(line[c], width[c], c >= 1 && c <= 3) + "  ";
    }
    out += text + "\n";
  }
  const std::string bound = PercentText(options.max_regression);
  if (result.passed()) {
    out += "gate: PASS — none of " + std::to_string(result.rows.size()) +
           " metrics regressed beyond " + bound + "\n";
  } else {
    out += "gate: FAIL — " + std::to_string(result.regressions) + " of " +
           std::to_string(result.rows.size()) + " metrics regressed beyond " + bound + ":";
    for (const GateRow& row : result.rows) {
      if (row.verdict == GateVerdict::kRegressed) out += " " + row.metric;
    }
    out += "\n";
  }
  return out;
}

}  // namespace slotsim
