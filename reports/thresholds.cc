// Resolving catalogue metric names against summary.json, and checking thresholds.
#include "reports/thresholds.h"

#include <algorithm>

#include "reports/summary.h"
#include "simulator/observe/recorder.h"

namespace slotsim {
namespace {

using nlohmann::json;

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    parts.emplace_back(s.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

// The member `key` of `node` when node is an object that has it, else nullptr.
const json* Child(const json* node, const std::string& key) {
  if (node == nullptr || !node->is_object()) return nullptr;
  auto it = node->find(key);
  return it == node->end() ? nullptr : &*it;
}

std::optional<double> Number(const json* node) {
  if (node == nullptr || !node->is_number()) return std::nullopt;
  return node->get<double>();
}

// latency[_raw].<op>[.<mode>][.<phase>].<stat>: no value when the selection has no samples.
std::optional<double> LatencyValue(const json& summary, const std::vector<std::string>& p) {
  const json* node = Child(Child(&summary, "ops"), p[1]);
  for (size_t i = 2; i + 1 < p.size(); ++i) {
    const bool is_phase = PhaseFromName(p[i]).has_value();
    node = Child(Child(node, is_phase ? "by_phase" : "by_mode"), p[i]);
  }
  const std::optional<double> count = Number(Child(node, "count"));
  if (!count || *count <= 0) return std::nullopt;
  const std::string key = p[0] == "latency" ? "latency_us" : "raw_latency_us";
  return Number(Child(Child(node, key), p.back()));
}

// ops.<op>.count|errors|error_rate: absent reads as 0.
std::optional<double> OpsValue(const json& summary, const std::vector<std::string>& p) {
  const json* op = Child(Child(&summary, "ops"), p[1]);
  if (std::optional<double> v = Number(Child(op, p[2]))) return v;
  if (p[2] == "error_rate") {
    const double count = Number(Child(op, "count")).value_or(0);
    const double errors = Number(Child(op, "errors")).value_or(0);
    return count > 0 ? errors / count : 0.0;
  }
  return 0.0;
}

std::optional<double> FailoverValue(const json& summary, const std::vector<std::string>& p) {
  const json* failover = Child(&summary, "failover");
  const json* outages = Child(failover, "outages");
  const bool have_outages = outages != nullptr && outages->is_array();
  if (p[1] == "detect_ms" || p[1] == "recover_ms") {
    std::optional<double> max;
    if (!have_outages) return max;
    for (const json& outage : *outages) {
      if (std::optional<double> v = Number(Child(&outage, p[1])))
        max = std::max(max.value_or(*v), *v);
    }
    return max;
  }
  if (p[1] == "errors") {
    double sum = 0;
    if (have_outages) {
      for (const json& outage : *outages) sum += Number(Child(&outage, "errors")).value_or(0);
    }
    return sum;
  }
  if (p[1] == "outages") return have_outages ? static_cast<double>(outages->size()) : 0.0;
  return Number(Child(failover, p[1])).value_or(0);
}

// Any other catalogued name is the dotted path itself. Absent plain numbers read as 0;
// absent milliseconds (a visibility lag never measured) and absent guarantees (a run without
// adversaries, consistency.foreign_*) have no value.
std::optional<double> PathValue(const json& summary, std::string_view metric,
                                const std::vector<std::string>& p) {
  const json* node = &summary;
  for (const std::string& part : p) node = Child(node, part);
  if (std::optional<double> v = Number(node)) return v;
  StatusOr<MetricUnit> unit = MetricUnitOf(metric);
  if (unit.ok() && *unit == MetricUnit::kMillis) return std::nullopt;
  if (p.size() == 2 && p[0] == "consistency" && p[1].rfind("foreign_", 0) == 0) return std::nullopt;
  return 0.0;
}

}  // namespace

std::optional<double> MetricValue(const nlohmann::json& summary, std::string_view metric) {
  if (!CheckMetricName(metric).ok()) return std::nullopt;
  const std::vector<std::string> p = SplitDots(metric);
  if (p[0] == "latency" || p[0] == "latency_raw") return LatencyValue(summary, p);
  if (p[0] == "ops") return OpsValue(summary, p);
  if (p[0] == "failover") return FailoverValue(summary, p);
  return PathValue(summary, metric, p);
}

Measurement MetricMeasurement(const nlohmann::json& summary, std::string_view metric) {
  if (!CheckMetricName(metric).ok()) return {};
  const std::vector<std::string> p = SplitDots(metric);
  if (p[0] == "latency" || p[0] == "latency_raw") {
    const json* m = Child(Child(Child(&summary, "ops"), p[1]), "measurement");
    return m != nullptr ? MeasurementFromJson(*m) : Measurement{};
  }
  if (p[0] != "consistency") return {};
  std::string figure = p[1];
  if (figure == "hold_conflicts_outside_failover") figure = "hold_conflicts";
  if (figure == "visibility_lag_ms") figure = "visibility_lag";
  const json* m = Child(Child(Child(&summary, "consistency"), "measurement"), figure);
  return m != nullptr ? MeasurementFromJson(*m) : Measurement{};
}

std::string UnmeasuredNote(const Measurement& m) {
  if (m.status == MeasureStatus::kNotMeasured) return "not measured: " + m.reason;
  return "partially measured: " + m.reason + (m.missing.empty() ? "" : "; missing " + m.missing);
}

std::vector<ThresholdResult> EvaluateThresholds(const nlohmann::json& summary,
                                                const std::vector<Threshold>& thresholds) {
  std::vector<ThresholdResult> results;
  results.reserve(thresholds.size());
  for (const Threshold& t : thresholds) {
    ThresholdResult r;
    r.metric = t.metric;
    r.condition = t.condition;
    r.allow_unmeasured = t.allow_unmeasured;
    const Measurement m = MetricMeasurement(summary, t.metric);
    if (Status name = CheckMetricName(t.metric); !name.ok()) {
      r.note = name.message();
    } else if (!m.measured()) {
      r.value = MetricValue(summary, t.metric);
      r.measured = false;
      r.skipped = t.allow_unmeasured;
      r.ok = r.skipped;
      r.note = (r.skipped ? "skipped (allow_unmeasured): " : "") + UnmeasuredNote(m);
    } else if ((r.value = MetricValue(summary, t.metric))) {
      r.ok = t.Holds(*r.value);
    } else {
      r.note = "no data";
    }
    results.push_back(std::move(r));
  }
  return results;
}

nlohmann::json ThresholdsJson(const std::vector<ThresholdResult>& results) {
  json out = json::array();
  for (const ThresholdResult& r : results) {
    json item = {{"metric", r.metric},     {"condition", r.condition}, {"ok", r.ok},
                 {"measured", r.measured}, {"skipped", r.skipped},     {"note", r.note},
                 {"allow_unmeasured", r.allow_unmeasured}};
    item["value"] = r.value ? json(*r.value) : json(nullptr);
    out.push_back(std::move(item));
  }
  return out;
}

bool AllThresholdsPassed(const std::vector<ThresholdResult>& results) {
  return std::all_of(results.begin(), results.end(), [](const ThresholdResult& r) { return r.ok; });
}

}  // namespace slotsim
