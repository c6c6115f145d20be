// AbortReason: abort_on_fail thresholds on a live summary.
#include "reports/abort_check.h"

#include <cstdio>

#include "reports/report_format.h"
#include "reports/summary.h"
#include "reports/thresholds.h"

namespace slotsim {

std::string AbortReason(const RunResult& live, Micros elapsed) {
  std::vector<Threshold> due;
  for (const Threshold& t : live.scenario.thresholds) {
    if (t.abort_on_fail && t.grace <= elapsed) due.push_back(t);
  }
  if (due.empty()) return "";
  const nlohmann::json summary = SummaryJson(live);
  for (const ThresholdResult& r : EvaluateThresholds(summary, due)) {
    // No data yet, or a figure not measured, is no reason to stop (it fails at the end).
    if (r.ok || !r.value || !r.measured) continue;
    char at[48];
    std::snprintf(at, sizeof at, " failed at %.0f s: ", static_cast<double>(elapsed.count()) / 1e6);
    return "threshold \"" + r.metric + "\" " + r.condition + at +
           ThresholdValueText(r.metric, *r.value);
  }
  return "";
}

}  // namespace slotsim
