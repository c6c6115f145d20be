// The timeline chart of report.html (reports/html_timeline.h).
#include "reports/html_timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/html_time_marks.h"
#include "reports/report_format.h"
#include "reports/summary_fields.h"
#include "reports/svg.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr int kWidth = 920;
constexpr int kHeight = 420;
constexpr PlotArea kClients{70, 30, 815, 100};
constexpr PlotArea kRates{70, 170, 815, 200};

struct Row {
  double t_s = 0, clients = 0, ops_per_s = 0, errors_per_s = 0;
};

// One row per pixel column at most: the mean of the intervals it covers.
std::vector<Row> Rows(const json& summary, double* duration) {
  const json& ts = ObjectAt(summary, "timeseries");
  double interval = NumberOr(ts, "interval_s", 1);
  if (!(interval > 0)) interval = 1;
  const json& t = ArrayAt(ts, "t_s");
  const json& live = ArrayAt(ts, "live_clients");
  const size_t n = t.size();
  std::vector<double> ops(n, 0), errors(n, 0);
  for (const auto& [op, column] : ObjectAt(ts, "ops").items()) {
    for (size_t i = 0; i < n && i < column.size(); ++i) ops[i] += NumberOf(column[i]);
  }
  for (const auto& [op, column] : ObjectAt(ts, "errors").items()) {
    for (size_t i = 0; i < n && i < column.size(); ++i) errors[i] += NumberOf(column[i]);
  }
  *duration =
      std::max(NumberOr(summary, "duration_s", 0), n == 0 ? 0 : NumberOf(t[n - 1]) + interval);
  std::vector<Row> out;
  const size_t group = std::max<size_t>(1, (n + 814) / 815);
  for (size_t begin = 0; begin < n; begin += group) {
    const size_t end = std::min(n, begin + group);
    Row r;
    for (size_t i = begin; i < end; ++i) {
      r.clients += i < live.size() ? NumberOf(live[i]) : 0;
      r.ops_per_s += ops[i];
      r.errors_per_s += errors[i];
    }
    const double k = static_cast<double>(end - begin);
    r.t_s = (NumberOf(t[begin]) + NumberOf(t[end - 1]) + interval) / 2;
    r.clients /= k;
    r.ops_per_s /= k * interval;
    r.errors_per_s /= k * interval;
    out.push_back(r);
  }
  return out;
}

}  // namespace

std::string TimelineChart(const json& summary) {
  double duration = 1;
  const std::vector<Row> rows = Rows(summary, &duration);
  SvgDocument svg(kWidth, kHeight, "timeline: active clients, throughput, errors, faults");
  if (rows.empty()) {
    svg.Text({kWidth / 2.0, kHeight / 2.0}, "no time series in this summary", "middle", 13, "#888");
    return svg.Finish();
  }
  double clients_hi = 0, rate_hi = 0;
  for (const Row& r : rows) {
    clients_hi = std::max(clients_hi, r.clients);
    rate_hi = std::max({rate_hi, r.ops_per_s, r.errors_per_s});
  }
  const Scale x = Scale::Linear(0, duration > 0 ? duration : 1, kRates.left, kRates.right());
  const Scale yc = Scale::Linear(0, NiceCeil(clients_hi), kClients.bottom(), kClients.top);
  const Scale yr = Scale::Linear(0, NiceCeil(rate_hi), kRates.bottom(), kRates.top);
  // Across both panels; a recovery band at least 3 px wide, so a 0.4 s one still shows.
  DrawFailoverMarks(svg, summary, x,
                    {kClients.top, kRates.bottom() - kClients.top, kRates.top + 10, 3.0, 0.45});
  DrawYAxis(svg, kClients, yc, LinearTicks(0, yc.hi(), 3), CountLabel, "clients");
  DrawXAxis(svg, kRates, x, TimeTicks(x.hi()), SinceStartText, "time since start");
  DrawYAxis(svg, kRates, yr, LinearTicks(0, yr.hi(), 5), CountLabel, "per second");
  std::vector<Point> clients, ops, errors;
  for (const Row& r : rows) {
    clients.push_back({x(r.t_s), yc(r.clients)});
    ops.push_back({x(r.t_s), yr(r.ops_per_s)});
    errors.push_back({x(r.t_s), yr(r.errors_per_s)});
  }
  svg.Polyline(clients, Stroke{"#72b7b2", 1.8, ""}, "series clients");
  svg.Polyline(ops, Stroke{"#4c78a8", 1.5, ""}, "series throughput");
  svg.Polyline(errors, Stroke{kFaultColor, 1.5, ""}, "series errors");
  DrawLegend(svg, {kClients.left, 14},
             {{"active clients", "#72b7b2"}, {"ops/s", "#4c78a8"}, {"errors/s", kFaultColor}});
  return svg.Finish();
}

std::vector<LatencyLimit> LatencyLimits(const json& summary) {
  std::vector<LatencyLimit> out;
  for (const json& t : ArrayAt(summary, "thresholds")) {
    const std::string metric = TextAt(t, "metric", "");
    const std::string condition = TextAt(t, "condition", "");
    if (metric.rfind("latency.", 0) != 0) continue;
    const size_t dot = metric.find('.', 8);
    if (dot == std::string::npos || metric.find('.', dot + 1) != std::string::npos) continue;
    StatusOr<Threshold> parsed = ParseThreshold(metric, condition);
    if (!parsed.ok() || !(parsed->value > 0)) continue;
    const std::string op = metric.substr(8, dot - 8);
    out.push_back({op, parsed->value, op + " " + metric.substr(dot + 1) + " " + condition});
  }
  return out;
}

}  // namespace slotsim
