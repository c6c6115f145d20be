// capacity.html: the answer, the SLO table, the value-vs-load charts and the probe table, drawn
// from capacity.json alone (reports/capacity_report.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "reports/capacity_report.h"
#include "reports/report_format.h"
#include "reports/svg.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {
namespace {

using json = nlohmann::json;

constexpr const char* kStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 24px auto; max-width: 960px; padding: 0 12px; line-height: 1.4; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #dff3e0; color: #1b5e20; } td.fail { background: #fbe0e0; color: #b71c1c; }
.verdict { font-size: 17px; font-weight: 600; padding: 8px 12px; border-radius: 4px; }
.verdict.pass { background: #dff3e0; color: #1b5e20; }
.verdict.fail { background: #fbe0e0; color: #b71c1c; }
figcaption { font-size: 12px; color: #555; }
svg.chart { font-family: inherit; background: #fff; max-width: 100%; height: auto; }
)css";

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1",
                                    "#76b7b2", "#edc948", "#9c755f", "#bab0ac"};
constexpr int kWidth = 720, kHeight = 340;

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Tag(std::string_view tag, std::string_view text, std::string_view cls = "") {
  const std::string c = cls.empty() ? "" : " class=\"" + std::string(cls) + "\"";
  return "<" + std::string(tag) + c + ">" + XmlEscape(text) + "</" + std::string(tag) + ">";
}

std::string Str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::optional<double> Num(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

bool IsLatency(const std::string& metric) { return metric.rfind("latency", 0) == 0; }

// How a metric is drawn: the factor from its unit to the axis unit, and the axis unit's name.
std::pair<double, std::string> AxisUnit(const std::string& metric) {
  StatusOr<MetricUnit> unit = MetricUnitOf(metric);
  if (!unit.ok()) return {1, ""};
  switch (*unit) {
    case MetricUnit::kMicros:
      return {1e-3, "ms"};
    case MetricUnit::kMillis:
      return {1, "ms"};
    case MetricUnit::kSeconds:
      return {1, "s"};
    case MetricUnit::kFraction:
      return {100, "%"};
    case MetricUnit::kNumber:
      return {1, ""};
  }
  return {1, ""};
}

struct ProbePoint {
  double level = 0;
  bool ok = false;
  const json* metrics = nullptr;
};

std::vector<ProbePoint> SortedProbes(const json& c) {
  std::vector<ProbePoint> out;
  if (!c.contains("probes") || !c["probes"].is_array()) return out;
  for (const json& p : c["probes"]) {
    const std::optional<double> level = Num(p, "level");
    if (!level || !p.contains("metrics") || !p["metrics"].is_object()) continue;
    out.push_back({*level, p.value("ok", false), &p["metrics"]});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ProbePoint& a, const ProbePoint& b) { return a.level < b.level; });
  return out;
}

struct ChartSpec {
  std::string label;                                   // accessible name and caption
  std::vector<std::string> metrics;                    // one line each
  std::vector<std::pair<double, std::string>> limits;  // in the metric's unit, with a label
  bool log_y = false;
};

struct Frame {
  PlotArea area{64, 16, kWidth - 64 - 24, kHeight - 16 - 48};
  Scale x = Scale::Linear(0, 1, 0, 1);
  Scale y = Scale::Linear(0, 1, 0, 1);
  double factor = 1;
  std::string unit;
};

// Scales that fit every drawn value and limit.
Frame MakeFrame(const ChartSpec& spec, const std::vector<ProbePoint>& probes) {
  Frame f;
  std::tie(f.factor, f.unit) = AxisUnit(spec.metrics.front());
  double x_hi = 1, lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const ProbePoint& p : probes) {
    x_hi = std::max(x_hi, p.level);
    for (const std::string& m : spec.metrics) {
      if (std::optional<double> v = Num(*p.metrics, m.c_str()); v && *v * f.factor > 0) {
        lo = std::min(lo, *v * f.factor);
        hi = std::max(hi, *v * f.factor);
      }
    }
  }
  for (const auto& [limit, label] : spec.limits) {
    lo = std::min(lo, limit * f.factor);
    hi = std::max(hi, limit * f.factor);
  }
  const PlotArea& a = f.area;
  f.x = Scale::Linear(0, NiceCeil(x_hi), a.left, a.right());
  if (spec.log_y) {
    const auto [dlo, dhi] = LogDomain(std::isfinite(lo) ? lo : 1, std::max(hi, 1e-3));
    f.y = Scale::Log(dlo, dhi, a.bottom(), a.top);
  } else {
    f.y = Scale::Linear(0, NiceCeil(hi), a.bottom(), a.top);
  }
  return f;
}

void DrawMarks(SvgDocument& svg, const Frame& f, const json& answer) {
  const PlotArea& a = f.area;
  if (std::optional<double> over = Num(answer, "first_fail")) {
    const double x0 = f.x(*over);
    svg.Rect(x0, a.top, std::max(0.0, a.right() - x0), a.height, "#e45756", 0.12, "over",
             "past the first failing level");
  }
  if (Str(answer, "outcome") == "min_fails") return;
  if (std::optional<double> cap = Num(answer, "capacity")) {
    const double x = f.x(*cap);
    svg.Line({x, a.top}, {x, a.bottom()}, Stroke{"#1b5e20", 2, "6 3"}, "knee",
             "capacity " + Printf("%g", *cap));
    svg.Text({x + 4, a.top + 12}, "capacity " + Printf("%g", *cap), "start", 11, "#1b5e20");
  }
}

void DrawLimits(SvgDocument& svg, const Frame& f, const ChartSpec& spec) {
  for (const auto& [limit, label] : spec.limits) {
    const double y = f.y(limit * f.factor);
    svg.Line({f.area.left, y}, {f.area.right(), y}, Stroke{"#b71c1c", 1, "4 3"}, "slo-limit",
             label);
    svg.Text({f.area.left + 4, y - 4}, "SLO " + label, "start", 10, "#b71c1c");
  }
}

void DrawSeries(SvgDocument& svg, const Frame& f, const ChartSpec& spec,
                const std::vector<ProbePoint>& probes, const std::string& unit_name) {
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const std::string& m = spec.metrics[i];
    const std::string color = kPalette[i % std::size(kPalette)];
    std::vector<Point> line;
    for (const ProbePoint& p : probes) {
      const std::optional<double> v = Num(*p.metrics, m.c_str());
      if (!v) continue;
      const Point at{f.x(p.level), f.y(*v * f.factor)};
      line.push_back(at);
      svg.Circle(at, 3.5, p.ok ? "#2e7d32" : "#c62828",
                 Printf("%g", p.level) + " " + unit_name + ": " + m + " " +
                     ThresholdValueText(m, *v) + (p.ok ? " (all SLOs met)" : " (an SLO failed)"));
    }
    svg.Polyline(line, Stroke{color, 2, ""}, "series");
    legend.emplace_back(m, color);
  }
  DrawLegend(svg, {f.area.left, kHeight - 8.0}, legend);
}

std::string LoadChart(const json& c, const ChartSpec& spec) {
  const std::vector<ProbePoint> probes = SortedProbes(c);
  const Frame f = MakeFrame(spec, probes);
  const std::string unit_name = c.contains("search") ? Str(c["search"], "unit") : "";
  SvgDocument svg(kWidth, kHeight, spec.label);
  DrawMarks(svg, f, c.value("answer", json::object()));
  const auto ticks =
      f.y.is_log() ? LogTicks(f.y.lo(), f.y.hi()) : LinearTicks(f.y.lo(), f.y.hi(), 6);
  DrawXAxis(
      svg, f.area, f.x, LinearTicks(f.x.lo(), f.x.hi(), 8),
      [](double v) { return Printf("%g", v); }, "load (" + unit_name + ")");
  DrawYAxis(
      svg, f.area, f.y, ticks, [](double v) { return Printf("%g", v); },
      f.unit.empty() ? spec.metrics.front() : f.unit);
  DrawLimits(svg, f, spec);
  DrawSeries(svg, f, spec, probes, unit_name);
  return "<figure>" + svg.Finish() + Tag("figcaption", spec.label) + "</figure>\n";
}

std::vector<ChartSpec> ChartSpecs(const json& c) {
  ChartSpec latency{
      "Latency vs load: each point is one probe (green: every SLO met, red: one "
      "failed); dashed red lines are the SLO limits, the dashed green line the "
      "capacity; the shaded area lies past the first failing load.",
      {"latency.poll.p50", "latency.poll.p99"},
      {},
      true};
  std::vector<ChartSpec> others;
  for (const json& s : c.value("slos", json::array())) {
    const std::string metric = Str(s, "metric");
    StatusOr<Threshold> t = ParseThreshold(metric, Str(s, "condition"));
    if (!t.ok()) continue;
    const bool bound = t->op != Comparison::kEqual && t->op != Comparison::kNotEqual;
    const std::pair<double, std::string> limit{t->value, metric + " " + t->condition};
    ChartSpec* spec = &latency;
    if (!IsLatency(metric)) {
      others.push_back({metric + " vs load, with its SLO limit.", {metric}, {}, false});
      spec = &others.back();
    } else if (std::find(latency.metrics.begin(), latency.metrics.end(), metric) ==
               latency.metrics.end()) {
      latency.metrics.push_back(metric);
    }
    if (bound) spec->limits.push_back(limit);
  }
  others.insert(others.begin(), std::move(latency));
  return others;
}

std::string Identity(const json& c) {
  const json s = c.value("search", json::object());
  std::string rows;
  auto row = [&rows](std::string_view k, const std::string& v) {
    rows += "<tr>" + Tag("th", k) + Tag("td", v) + "</tr>";
  };
  row("scenario", Str(c, "scenario"));
  row("target / profile", Str(c, "target") + " / " + Str(c, "profile"));
  row("seed", c.contains("seed") ? c["seed"].dump() : "");
  row("commit", Str(c, "git_commit"));
  row("load varied", Str(s, "unit") + ", " + Printf("%g", Num(s, "min").value_or(0)) + " .. " +
                         Printf("%g", Num(s, "max").value_or(0)));
  row("each probe", Printf("%g s", Num(s, "step_duration_s").value_or(0)) + ", the first " +
                        Printf("%g%%", 100 * Num(s, "warmup").value_or(0)) + " a ramp up");
  return "<table>" + rows + "</table>\n";
}

std::string ProbeTable(const json& c) {
  std::string head = "<tr><th>#</th><th>stage</th><th>load</th><th>verdict</th>";
  for (const json& s : c.value("slos", json::array())) head += Tag("th", Str(s, "slo"));
  head += "<th>ops/s</th><th>mode switches</th>";
  std::string rows;
  size_t n = 0;
  for (const json& p : c.value("probes", json::array())) {
    const bool ok = p.value("ok", false);
    rows += "<tr>" + Tag("td", std::to_string(++n), "num") + Tag("td", Str(p, "stage")) +
            Tag("td", Printf("%g", Num(p, "level").value_or(0)), "num") +
            Tag("td", ok ? "pass" : "FAIL", ok ? "pass" : "fail");
    for (const json& s : p.value("slos", json::array())) {
      const std::optional<double> v = Num(s, "value");
      rows += Tag("td", v ? ThresholdValueText(Str(s, "metric"), *v) : "no data",
                  s.value("ok", false) ? "num" : "num fail");
    }
    const json metrics = p.value("metrics", json::object());
    for (const char* m : {"throughput.ops_per_s", "failover.mode_switches"}) {
      const std::optional<double> v = Num(metrics, m);
      rows += Tag("td", v ? Printf("%.0f", *v) : "-", "num");
    }
    rows += "</tr>\n";
  }
  return "<table>" + head + "</tr>\n" + rows + "</table>\n";
}

}  // namespace

std::string CapacityHtml(const json& capacity) {
  const json& c = capacity;
  const json answer = c.value("answer", json::object());
  const bool found = Str(answer, "outcome") != "min_fails";
  std::string body = Tag("h1", "slotsim capacity: " + Str(c, "scenario"));
  body += Tag("p", Str(answer, "text"), found ? "verdict pass" : "verdict fail") + "\n";
  body += Identity(c) + Tag("h2", "Load vs SLOs") + "\n";
  for (const ChartSpec& spec : ChartSpecs(c)) body += LoadChart(c, spec);
  body += Tag("h2", "Probes, in the order they ran") + "\n" + ProbeTable(c);
  body += Tag("p",
              "How to read this: the capacity is the highest load that met every SLO; the "
              "binding SLO is the one that failed first above it. A probe's numbers cover its "
              "whole step, warm-up included, so a step too short to reach a steady state "
              "flatters the load past the knee. See docs/capacity.md.") +
          "\n";
  // No outside fetch is possible: the page opens the same offline.
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
         Tag("title", "slotsim capacity \u00b7 " + Str(c, "scenario")) + "\n<style>" + kStyle +
         "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
}

}  // namespace slotsim
