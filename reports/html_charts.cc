// Drawing the report's charts from summary.json.
#include "reports/html_charts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "common/histogram.h"
#include "reports/html_time_marks.h"
#include "reports/html_timeline.h"
#include "reports/report_format.h"
#include "reports/summary_fields.h"
#include "reports/svg.h"
#include "simulator/observe/history.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr int kWidth = 920;
constexpr int kHeight = 300;
constexpr PlotArea kArea{70, 34, 815, 214};
constexpr double kSpectrumNines = 5;  // the x axis ends at 99.999 %

// The time-series columns of summary "timeseries", decoded; short columns pad with 0.
struct Series {
  double interval_s = 1;
  std::vector<double> t_s;
  std::array<std::vector<double>, kOpKinds> p99_us;
};

// Intervals grouped into one point per pixel column at most.
struct Column {
  double t_s = 0;                         // the middle of the time the column covers
  std::array<double, kOpKinds> p99_us{};  // the highest of its intervals
};

std::string OpName(int k) { return std::string(OpKindName(static_cast<OpKind>(k))); }

std::vector<double> Numbers(const json& array, size_t n) {
  std::vector<double> out(n, 0);
  for (size_t i = 0; i < n && i < array.size(); ++i) out[i] = NumberOf(array[i]);
  return out;
}

Series ReadSeries(const json& summary) {
  const json& ts = ObjectAt(summary, "timeseries");
  Series s;
  s.interval_s = NumberOr(ts, "interval_s", 1);
  if (!(s.interval_s > 0)) s.interval_s = 1;
  const json& t = ArrayAt(ts, "t_s");
  s.t_s = Numbers(t, t.size());
  for (int k = 0; k < kOpKinds; ++k) {
    s.p99_us[k] = Numbers(ArrayAt(ObjectAt(ts, "p99_us"), OpName(k)), t.size());
  }
  return s;
}

Column MakeColumn(const Series& s, size_t begin, size_t end) {
  Column c;
  c.t_s = (s.t_s[begin] + s.t_s[end - 1] + s.interval_s) / 2;
  for (size_t i = begin; i < end; ++i) {
    for (int k = 0; k < kOpKinds; ++k) {
      c.p99_us[k] = std::max(c.p99_us[k], s.p99_us[k][i]);
    }
  }
  return c;
}

std::vector<Column> Columns(const Series& s, size_t max_columns) {
  std::vector<Column> out;
  const size_t n = s.t_s.size();
  if (n == 0) return out;
  const size_t group = (n + max_columns - 1) / max_columns;
  for (size_t begin = 0; begin < n; begin += group) {
    out.push_back(MakeColumn(s, begin, std::min(n, begin + group)));
  }
  return out;
}

double TimeDomain(const json& summary, const Series& s) {
  const double last = s.t_s.empty() ? 0 : s.t_s.back() + s.interval_s;
  const double d = std::max(NumberOr(summary, "duration_s", 0), last);
  return d > 0 && std::isfinite(d) ? d : 1;
}

std::string MsLabel(double us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", us / 1000);
  return buf;
}

std::string NoData(SvgDocument& svg, std::string_view what) {
  svg.Text({kWidth / 2.0, kHeight / 2.0}, what, "middle", 13, "#888");
  return svg.Finish();
}

// A line per run of consecutive points with a value; a lone point is a dot.
void DrawSegments(SvgDocument& svg, const std::vector<Point>& points, const std::vector<bool>& has,
                  const std::string& color, const std::string& css_class = "series") {
  std::vector<Point> run;
  auto flush = [&] {
    if (run.size() == 1) svg.Circle(run[0], 1.8, color);
    svg.Polyline(run, Stroke{color, 1.5, ""}, css_class);
    run.clear();
  };
  for (size_t i = 0; i < points.size(); ++i) {
    if (has[i]) {
      run.push_back(points[i]);
    } else {
      flush();
    }
  }
  flush();
}

using ModeHistograms = std::map<std::string, Histogram>;  // storage mode -> merged phases

void Note(std::vector<std::string>* problems, std::string text) {
  if (problems != nullptr) problems->push_back(std::move(text));
}

std::vector<std::string> SplitDots(const std::string& key) {
  std::vector<std::string> parts(1);
  for (char c : key) {
    if (c == '.') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

// op -> mode -> corrected histogram, from the "<op>.<mode>.<phase>.corrected" entries.
std::map<std::string, ModeHistograms> DecodeSpectra(const json& summary,
                                                    std::vector<std::string>* problems) {
  std::map<std::string, ModeHistograms> out;
  for (const auto& [key, value] : ObjectAt(summary, "histograms").items()) {
    const std::vector<std::string> parts = SplitDots(key);
    if (parts.size() != 4 || parts[3] != "corrected") continue;
    if (!value.is_string()) {
      Note(problems, "histogram " + key + " is not a string");
      continue;
    }
    StatusOr<Histogram> h = Histogram::Deserialize(value.get<std::string>());
    if (!h.ok()) {
      Note(problems, "histogram " + key + ": " + h.status().message());
      continue;
    }
    ModeHistograms& modes = out[parts[0]];
    auto it = modes.find(parts[1]);
    if (it == modes.end()) {
      modes.emplace(parts[1], std::move(*h));
    } else if (Status merged = it->second.Merge(*h); !merged.ok()) {
      Note(problems, "histogram " + key + ": " + merged.message());
    }
  }
  return out;
}

// Modes in the order redis, mysql, memory, then any other name.
std::vector<const ModeHistograms::value_type*> OrderedModes(const ModeHistograms& modes) {
  std::vector<const ModeHistograms::value_type*> out;
  for (const char* known : {"redis", "mysql", "memory"}) {
    auto it = modes.find(known);
    if (it != modes.end()) out.push_back(&*it);
  }
  for (const auto& entry : modes) {
    if (std::find(out.begin(), out.end(), &entry) == out.end()) out.push_back(&entry);
  }
  return out;
}

// x = -log10(1 - p/100): 0 -> "0%", 1 -> "90%", 3 -> "99.9%", 5 -> "99.999%".
std::string NinesLabel(double nines) {
  const int decimals = std::max(0, static_cast<int>(std::lround(nines)) - 2);
  return FixedText(100 * (1 - std::pow(10.0, -nines)), decimals) + "%";
}

std::string SpectrumSvg(const std::string& op, const ModeHistograms& modes) {
  SvgDocument svg(kWidth, kHeight, "percentile spectrum of " + op + " per storage mode");
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& [mode, h] : modes) {
    if (h.TotalCount() == 0) continue;
    lo = std::min(lo, static_cast<double>(std::max<int64_t>(1, h.Min())));
    hi = std::max(hi, static_cast<double>(h.Max()));
  }
  if (hi <= 0) return NoData(svg, "no latency recorded for " + op);
  const Scale x = Scale::Linear(0, kSpectrumNines, kArea.left, kArea.right());
  const auto [y_lo, y_hi] = LogDomain(lo, hi);
  const Scale y = Scale::Log(y_lo, y_hi, kArea.bottom(), kArea.top);
  DrawXAxis(svg, kArea, x, {0, 1, 2, 3, 4, 5}, NinesLabel, "percentile (corrected latency)");
  DrawYAxis(svg, kArea, y, LogTicks(y_lo, y_hi), MsLabel, "latency, ms (log)");
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto* entry : OrderedModes(modes)) {
    const Histogram& h = entry->second;
    if (h.TotalCount() == 0) continue;
    std::vector<Point> points;
    for (int i = 0; i <= 100; ++i) {
      const double nines = kSpectrumNines * i / 100;
      const double p = 100 * (1 - std::pow(10.0, -nines));
      points.push_back({x(nines), y(static_cast<double>(h.ValueAtPercentile(p)))});
    }
    svg.Polyline(points, Stroke{ModeColor(entry->first), 1.8, ""}, "series");
    legend.emplace_back(entry->first + " (n=" + GroupedText(h.TotalCount()) + ")",
                        ModeColor(entry->first));
  }
  DrawLegend(svg, {kArea.left, 16}, legend);
  return svg.Finish();
}

}  // namespace

std::string OpColor(std::string_view op) {
  static const std::map<std::string_view, const char*> kColors = {
      {"select", "#4c78a8"},       {"deselect", "#9d755d"}, {"poll", "#54a24b"},
      {"availability", "#b279a2"}, {"confirm", "#e45756"},  {"reschedule", "#f58518"},
      {"cancel", "#79706e"}};
  auto it = kColors.find(op);
  return it == kColors.end() ? "#999999" : it->second;
}

std::string ModeColor(std::string_view mode) {
  if (mode == "redis") return "#e45756";
  if (mode == "mysql") return "#4c78a8";
  if (mode == "memory") return "#54a24b";
  return "#999999";
}

std::string LatencyOverTimeChart(const json& summary) {
  const Series s = ReadSeries(summary);
  const std::vector<Column> cols = Columns(s, static_cast<size_t>(kArea.width));
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const Column& c : cols) {
    for (double v : c.p99_us) {
      if (v <= 0) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  SvgDocument svg(kWidth, kHeight, "p99 latency over time, per operation");
  if (hi <= 0) return NoData(svg, "no latency time series in this summary");
  const std::vector<LatencyLimit> limits = LatencyLimits(summary);
  for (const LatencyLimit& l : limits) hi = std::max(hi, l.limit_us);
  const Scale x = Scale::Linear(0, TimeDomain(summary, s), kArea.left, kArea.right());
  const auto [y_lo, y_hi] = LogDomain(lo, hi);
  const Scale y = Scale::Log(y_lo, y_hi, kArea.bottom(), kArea.top);
  DrawFailoverMarks(svg, summary, x, {kArea.top, kArea.height, kArea.top + 10});
  DrawXAxis(svg, kArea, x, TimeTicks(x.hi()), SinceStartText, "time since start");
  DrawYAxis(svg, kArea, y, LogTicks(y_lo, y_hi), MsLabel, "p99 latency, ms (log)");
  std::vector<std::pair<std::string, std::string>> legend;
  for (int k = 0; k < kOpKinds; ++k) {
    std::vector<Point> points;
    std::vector<bool> has;
    for (const Column& c : cols) {
      points.push_back({x(c.t_s), y(c.p99_us[k])});
      has.push_back(c.p99_us[k] > 0);
    }
    if (std::none_of(has.begin(), has.end(), [](bool b) { return b; })) continue;
    DrawSegments(svg, points, has, OpColor(OpName(k)), "series op-" + OpName(k));
    legend.emplace_back(OpName(k), OpColor(OpName(k)));
  }
  for (const LatencyLimit& l : limits) {  // thresholds: a dashed line at the limit
    const double py = y(l.limit_us);
    svg.Line({kArea.left, py}, {kArea.right(), py}, Stroke{OpColor(l.op), 1.2, "6 3"},
             "threshold op-" + l.op, "threshold " + l.label);
    svg.Text({kArea.right() - 2, py - 3}, l.label, "end", 9, OpColor(l.op));
  }
  DrawLegend(svg, {kArea.left, 16}, legend);
  return svg.Finish();
}

std::vector<SpectrumChart> SpectrumCharts(const json& summary, std::vector<std::string>* problems) {
  const std::map<std::string, ModeHistograms> spectra = DecodeSpectra(summary, problems);
  std::vector<SpectrumChart> out;
  std::vector<std::string> names;
  for (int k = 0; k < kOpKinds; ++k) names.push_back(OpName(k));
  for (const auto& [op, modes] : spectra) {
    if (std::find(names.begin(), names.end(), op) == names.end()) names.push_back(op);
  }
  for (const std::string& op : names) {
    auto it = spectra.find(op);
    if (it != spectra.end()) out.push_back({op, SpectrumSvg(op, it->second)});
  }
  return out;
}

}  // namespace slotsim
