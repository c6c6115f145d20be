// What the time charts of report.html share (reports/html_charts.cc, reports/html_timeline.cc):
// round ticks for a time axis, the count label of a linear axis, and the failover marks drawn
// behind the data — each fault window shaded (failover.outages start_s..end_s, class "fault"),
// the recovery after it (recover_ms, class "recovery") and each storage-mode switch as a
// dashed line (failover.switches, class "mode-switch") with its target mode as a label.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/svg.h"

namespace slotsim {

inline constexpr const char* kFaultColor = "#e45756";
inline constexpr const char* kRecoveryColor = "#f2b134";

// Round steps, in seconds, for about eight ticks over `duration`.
std::vector<double> TimeTicks(double duration);

// A plain number ("%g") for a linear count axis.
std::string CountLabel(double v);

// Where and how a chart draws its failover marks.
struct FailoverMarkStyle {
  double top = 0;  // the bands and lines span [top, top + height]
  double height = 0;
  double label_y = 0;          // the baseline of a switch's "→mode" label
  double recovery_min_px = 0;  // a recovery band is at least this wide
  double recovery_opacity = 0.22;
};

void DrawFailoverMarks(SvgDocument& svg, const nlohmann::json& summary, const Scale& x,
                       const FailoverMarkStyle& style);

}  // namespace slotsim
