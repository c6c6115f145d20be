// The metric catalogue and threshold conditions. The catalogue is data (the lists below);
// threshold_test checks that docs/scenarios.md names every entry.
#include "simulator/scenario/threshold.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace slotsim {
namespace {

constexpr std::array<std::string_view, 7> kOps = {"select",  "deselect",   "poll",  "availability",
                                                  "confirm", "reschedule", "cancel"};
constexpr std::array<std::string_view, 2> kModes = {"redis", "mysql"};
constexpr std::array<std::string_view, 3> kPhases = {"steady", "outage", "recovery"};
constexpr std::array<std::string_view, 5> kStats = {"p50", "p90", "p99", "p999", "max"};
constexpr std::array<std::pair<std::string_view, MetricUnit>, 3> kOpLeaves = {{
    {"count", MetricUnit::kNumber},
    {"errors", MetricUnit::kNumber},
    {"error_rate", MetricUnit::kFraction},
}};

// Every metric outside the latency and ops.<op> families, with its unit.
constexpr std::array<std::pair<std::string_view, MetricUnit>, 32> kFixed = {{
    {"errors.count", MetricUnit::kNumber},
    {"errors.rate", MetricUnit::kFraction},
    {"throughput.ops_per_s", MetricUnit::kNumber},
    {"consistency.double_bookings", MetricUnit::kNumber},
    {"consistency.lost_bookings", MetricUnit::kNumber},
    {"consistency.phantom_bookings", MetricUnit::kNumber},
    {"consistency.hold_conflicts", MetricUnit::kNumber},
    {"consistency.hold_conflicts_outside_failover", MetricUnit::kNumber},
    {"consistency.lost_holds", MetricUnit::kNumber},
    {"consistency.foreign_releases", MetricUnit::kNumber},
    {"consistency.foreign_cancels", MetricUnit::kNumber},
    {"consistency.visibility_lag_ms.p50", MetricUnit::kMillis},
    {"consistency.visibility_lag_ms.p99", MetricUnit::kMillis},
    {"consistency.visibility_lag_ms.max", MetricUnit::kMillis},
    {"failover.detect_ms.max", MetricUnit::kMillis},
    {"failover.recover_ms.max", MetricUnit::kMillis},
    {"failover.errors", MetricUnit::kNumber},
    {"failover.mode_switches", MetricUnit::kNumber},
    {"failover.outages", MetricUnit::kNumber},
    {"clients.peak", MetricUnit::kNumber},
    {"clients.total", MetricUnit::kNumber},
    {"clients.rejected", MetricUnit::kNumber},
    {"clients.sold_out", MetricUnit::kNumber},
    {"run.events_per_s", MetricUnit::kNumber},
    {"run.peak_rss_mb", MetricUnit::kNumber},
    {"run.wall_s", MetricUnit::kSeconds},
    {"run.cpu_s", MetricUnit::kSeconds},
    {"run.schedule.late_ops", MetricUnit::kNumber},
    {"run.schedule.harness_late_ops", MetricUnit::kNumber},
    {"run.scheduler_lateness_us.p99", MetricUnit::kMicros},
    {"run.worker_wait_us.p99", MetricUnit::kMicros},
    {"run.client_busy_us.p99", MetricUnit::kMicros},
}};

// errors.by_kind.<kind>: every error code's snake_case name (recorder.h ErrorKindName) but ok.
constexpr std::array<std::string_view, 11> kErrorKinds = {
    "slot_held",        "slot_booked",   "slot_taken", "not_holder", "not_found",
    "unavailable",      "timeout",       "invalid_argument", "unimplemented", "internal",
    "malformed_answer"};
// errors.by_class.<class>: the answer classes of an error operation (protocol/ops.h) but ok.
constexpr std::array<std::string_view, 7> kErrorClasses = {
    "rejected", "server_error", "malformed_answer", "timeout", "reset", "not_sent", "store_error"};

constexpr std::string_view kFamilies =
    "latency.<op>[.<mode>][.<phase>].<stat>, latency_raw.<op>[.<mode>][.<phase>].<stat>, "
    "ops.<op>.count|errors|error_rate, errors.count|rate, throughput.ops_per_s, consistency.*, "
    "errors.by_kind.<kind>, errors.by_class.<class>, failover.*, "
    "clients.peak|total|rejected|sold_out, run.* "
    "(the full list is in docs/scenarios.md)";

template <typename List>
bool Contains(const List& list, std::string_view s) {
  for (const auto& item : list) {
    if (item == s) return true;
  }
  return false;
}

template <typename List>
std::string Join(const List& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

std::vector<std::string_view> SplitDots(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

Status UnknownMetric(std::string_view metric, std::string_view why, std::string_view allowed) {
  return Status::InvalidArgument("unknown metric \"" + std::string(metric) +
                                 "\": " + std::string(why) + "; allowed: " + std::string(allowed));
}

Status CheckOp(std::string_view metric, std::string_view op) {
  if (Contains(kOps, op)) return Status::Ok();
  return UnknownMetric(metric, "unknown op \"" + std::string(op) + "\"", Join(kOps));
}

// latency[_raw].<op>[.<mode>][.<phase>].<stat>
Status CheckLatency(std::string_view metric, const std::vector<std::string_view>& p) {
  const std::string form = std::string(p[0]) + ".<op>[.<mode>][.<phase>].<stat>";
  if (p.size() < 3 || p.size() > 5) return UnknownMetric(metric, "wrong number of parts", form);
  SLOTSIM_RETURN_IF_ERROR(CheckOp(metric, p[1]));
  if (!Contains(kStats, p.back())) {
    return UnknownMetric(metric, "unknown stat \"" + std::string(p.back()) + "\"", Join(kStats));
  }
  const bool ok = p.size() == 3 ||
                  (p.size() == 4 && (Contains(kModes, p[2]) || Contains(kPhases, p[2]))) ||
                  (p.size() == 5 && Contains(kModes, p[2]) && Contains(kPhases, p[3]));
  if (ok) return Status::Ok();
  return UnknownMetric(
      metric, "bad mode or phase",
      "mode one of " + Join(kModes) + ", then phase one of " + Join(kPhases) + ", in " + form);
}

// ops.<op>.count|errors|error_rate
StatusOr<MetricUnit> OpsUnit(std::string_view metric, const std::vector<std::string_view>& p) {
  const std::string form = "ops.<op>.count|errors|error_rate";
  if (p.size() != 3) return UnknownMetric(metric, "wrong number of parts", form);
  SLOTSIM_RETURN_IF_ERROR(CheckOp(metric, p[1]));
  for (const auto& [leaf, unit] : kOpLeaves) {
    if (leaf == p[2]) return unit;
  }
  return UnknownMetric(metric, "unknown leaf \"" + std::string(p[2]) + "\"", form);
}

StatusOr<MetricUnit> LookUp(std::string_view metric) {
  const std::vector<std::string_view> p = SplitDots(metric);
  if (p[0] == "latency" || p[0] == "latency_raw") {
    SLOTSIM_RETURN_IF_ERROR(CheckLatency(metric, p));
    return MetricUnit::kMicros;
  }
  if (p[0] == "ops") return OpsUnit(metric, p);
  if (p[0] == "errors" && p.size() >= 2 && (p[1] == "by_kind" || p[1] == "by_class")) {
    const bool kind = p[1] == "by_kind";
    const std::string allowed = kind ? Join(kErrorKinds) : Join(kErrorClasses);
    if (p.size() != 3) return UnknownMetric(metric, "wrong number of parts", allowed);
    if (kind ? Contains(kErrorKinds, p[2]) : Contains(kErrorClasses, p[2])) {
      return MetricUnit::kNumber;
    }
    return UnknownMetric(metric, std::string(kind ? "unknown kind \"" : "unknown class \"") +
                                     std::string(p[2]) + "\"",
                         allowed);
  }
  std::string family_names;
  for (const auto& [name, unit] : kFixed) {
    if (name == metric) return unit;
    if (name.substr(0, p[0].size() + 1) == std::string(p[0]) + ".") {
      family_names += (family_names.empty() ? "" : ", ") + std::string(name);
    }
  }
  if (!family_names.empty()) return UnknownMetric(metric, "no such name", family_names);
  return UnknownMetric(metric, "unknown family \"" + std::string(p[0]) + "\"", kFamilies);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What a condition on a metric of `unit` may look like, for error messages.
std::string ConditionForm(MetricUnit unit) {
  std::string form = "\"<op> <value>\" with op one of < <= > >= == !=, value ";
  switch (unit) {
    case MetricUnit::kMicros:
    case MetricUnit::kMillis:
      return form + "a number with unit us, ms or s (a bare number is ms), e.g. \"< 20ms\"";
    case MetricUnit::kSeconds:
      return form + "a number with unit us, ms or s (a bare number is s), e.g. \"< 60\"";
    case MetricUnit::kFraction:
      return form + "a fraction or a percentage, e.g. \"< 0.01\" or \"< 1%\"";
    case MetricUnit::kNumber:
      return form + "a number without a unit, e.g. \"== 0\"";
  }
  return form;
}

// The factor from a condition's unit to the metric's unit; 0 if the unit is not allowed.
double UnitFactor(MetricUnit unit, std::string_view suffix) {
  if (unit == MetricUnit::kFraction) return suffix.empty() ? 1 : suffix == "%" ? 0.01 : 0;
  if (unit == MetricUnit::kNumber) return suffix.empty() ? 1 : 0;
  // Microseconds per unit, as integers so that "20ms" is exactly 20000 us.
  const double metric_us = unit == MetricUnit::kMicros   ? 1
                           : unit == MetricUnit::kMillis ? 1e3
                                                         : 1e6;
  if (suffix.empty()) suffix = unit == MetricUnit::kSeconds ? "s" : "ms";
  const double condition_us = suffix == "us" ? 1 : suffix == "ms" ? 1e3 : suffix == "s" ? 1e6 : 0;
  return condition_us / metric_us;
}

// Reads the operator at the start of `s` and removes it.
bool TakeComparison(std::string_view& s, Comparison& op) {
  static constexpr std::array<std::pair<std::string_view, Comparison>, 6> kSymbols = {{
      {"<=", Comparison::kLessEqual},
      {">=", Comparison::kGreaterEqual},
      {"==", Comparison::kEqual},
      {"!=", Comparison::kNotEqual},
      {"<", Comparison::kLess},
      {">", Comparison::kGreater},
  }};
  for (const auto& [symbol, value] : kSymbols) {
    if (s.substr(0, symbol.size()) == symbol) {
      s.remove_prefix(symbol.size());
      op = value;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view ComparisonSymbol(Comparison op) {
  switch (op) {
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
    case Comparison::kEqual:
      return "==";
    case Comparison::kNotEqual:
      return "!=";
  }
  return "?";
}

bool Threshold::Holds(double measured) const {
  if (std::isnan(measured)) return false;
  switch (op) {
    case Comparison::kLess:
      return measured < value;
    case Comparison::kLessEqual:
      return measured <= value;
    case Comparison::kGreater:
      return measured > value;
    case Comparison::kGreaterEqual:
      return measured >= value;
    case Comparison::kEqual:
      return measured == value;
    case Comparison::kNotEqual:
      return measured != value;
  }
  return false;
}

Status CheckMetricName(std::string_view metric) { return LookUp(metric).status(); }

StatusOr<MetricUnit> MetricUnitOf(std::string_view metric) { return LookUp(metric); }

std::vector<std::string> MetricCatalogue() {
  std::vector<std::string> out;
  for (std::string_view family : {"latency", "latency_raw"}) {
    for (std::string_view op : kOps) {
      std::vector<std::string> middles = {""};
      for (std::string_view m : kModes) middles.push_back("." + std::string(m));
      for (std::string_view ph : kPhases) middles.push_back("." + std::string(ph));
      for (std::string_view m : kModes) {
        for (std::string_view ph : kPhases)
          middles.push_back("." + std::string(m) + "." + std::string(ph));
      }
      for (const std::string& mid : middles) {
        for (std::string_view stat : kStats) {
          out.push_back(std::string(family) + "." + std::string(op) + mid + "." +
                        std::string(stat));
        }
      }
    }
  }
  for (std::string_view op : kOps) {
    for (const auto& [leaf, unit] : kOpLeaves)
      out.push_back("ops." + std::string(op) + "." + std::string(leaf));
  }
  for (const auto& [name, unit] : kFixed) out.emplace_back(name);
  for (std::string_view k : kErrorKinds) out.push_back("errors.by_kind." + std::string(k));
  for (std::string_view c : kErrorClasses) out.push_back("errors.by_class." + std::string(c));
  return out;
}

StatusOr<Threshold> ParseThreshold(std::string_view metric, std::string_view condition) {
  SLOTSIM_ASSIGN_OR_RETURN(const MetricUnit unit, LookUp(metric));
  const std::string where =
      "threshold \"" + std::string(metric) + "\" = \"" + std::string(condition) + "\": ";
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(where + why + "; allowed: " + ConditionForm(unit));
  };
  Threshold t{std::string(metric), std::string(condition), Comparison::kLess, 0};
  std::string_view s = Trim(condition);
  if (!TakeComparison(s, t.op)) return bad("missing comparison operator");
  s = Trim(s);
  double number = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
  if (ec != std::errc() || !std::isfinite(number)) return bad("missing or bad number");
  if (number < 0) return bad("negative value");
  const std::string_view suffix = Trim(s.substr(end - s.data()));
  const double factor = UnitFactor(unit, suffix);
  if (factor == 0) return bad("unit \"" + std::string(suffix) + "\" not allowed for this metric");
  t.value = number * factor;
  return t;
}

}  // namespace slotsim
