// The time charts' shared pieces (reports/html_time_marks.h).
#include "reports/html_time_marks.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "reports/report_format.h"
#include "reports/summary_fields.h"

namespace slotsim {

using nlohmann::json;

std::vector<double> TimeTicks(double duration) {
  constexpr double kSteps[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                               600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  double step = kSteps[std::size(kSteps) - 1];
  for (double candidate : kSteps) {
    if (candidate >= duration / 8) {
      step = candidate;
      break;
    }
  }
  std::vector<double> ticks;
  for (int i = 0; i <= 64 && i * step <= duration + 1e-9; ++i) ticks.push_back(i * step);
  return ticks;
}

std::string CountLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void DrawFailoverMarks(SvgDocument& svg, const json& summary, const Scale& x,
                       const FailoverMarkStyle& style) {
  const double top = style.top, height = style.height;
  const json& failover = ObjectAt(summary, "failover");
  for (const json& o : ArrayAt(failover, "outages")) {
    const double start = NumberOr(o, "start_s", 0), end = NumberOr(o, "end_s", start);
    const std::string kind = TextAt(o, "kind", "fault");
    // At least 2 px wide: a one-minute fault in a four-hour run must still show.
    svg.Rect(x(start), top, std::max(2.0, x(end) - x(start)), height, kFaultColor, 0.18, "fault",
             kind + " " + SinceStartText(start) + " - " + SinceStartText(end));
    const double recover_s = NumberOr(o, "recover_ms", 0) / 1000;
    if (recover_s > 0) {
      svg.Rect(x(end), top, std::max(style.recovery_min_px, x(end + recover_s) - x(end)), height,
               kRecoveryColor, style.recovery_opacity, "recovery",
               "recovery after " + kind + ": " + FixedText(recover_s * 1000, 0) + " ms");
    }
  }
  double last_label_px = -1e9;
  for (const json& sw : ArrayAt(failover, "switches")) {
    const double at = NumberOr(sw, "at_s", 0), px = x(at);
    const std::string to = TextAt(sw, "to");
    svg.Line({px, top}, {px, top + height}, Stroke{"#555", 1, "4 3"}, "mode-switch",
             SinceStartText(at) + ": " + TextAt(sw, "from") + " -> " + to + " (" +
                 TextAt(sw, "cause", "") + ")");
    if (px - last_label_px < 48) continue;  // a flapping Redis: labels would pile up
    svg.Text({px + 3, style.label_y}, "\u2192" + to, "start", 9, "#555");
    last_label_px = px;
  }
}

}  // namespace slotsim
