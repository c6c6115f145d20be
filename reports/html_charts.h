// The charts of report.html, each one inline <svg> element (reports/svg.h) drawn from a
// summary.json document alone:
//  - latency over time: the corrected p99 of each interval, one line per operation, log axis;
//  - the percentile spectrum (0 .. 99.999 %) of one operation, one line per storage mode, from
//    the encoded histograms, log latency axis.
// The latency chart carries the failover marks (reports/html_time_marks.h). Long runs are drawn
// with at most one point per pixel column: a column keeps the highest p99 of its intervals.
// A chart with nothing to draw is still one <svg>, saying so. Nothing here throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace slotsim {

std::string LatencyOverTimeChart(const nlohmann::json& summary);

struct SpectrumChart {
  std::string op;
  std::string svg;
};

// One chart per operation that has corrected histograms in summary "histograms", in OpKind
// order; a line per storage mode (its phases merged). A histogram that does not decode or merge
// is left out and described in `problems` (may be null).
std::vector<SpectrumChart> SpectrumCharts(const nlohmann::json& summary,
                                          std::vector<std::string>* problems);

// The colour a chart draws an operation or a storage mode with ("#rrggbb"); grey if unknown.
std::string OpColor(std::string_view op);
std::string ModeColor(std::string_view mode);

}  // namespace slotsim
