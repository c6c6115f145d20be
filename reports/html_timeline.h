// The "what happened when" chart of report.html: one inline <svg> with two panels on one time
// axis — active clients (timeseries.live_clients) above, throughput and errors per second
// below — and, across both, each fault window shaded (class "fault"), the recovery after it
// (class "recovery", at least 3 px wide so a 0.4 s recovery in a 10-minute run still shows) and
// each storage-mode switch as a dashed line (class "mode-switch"). Drawn from summary.json
// alone; nothing here throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slotsim {

std::string TimelineChart(const nlohmann::json& summary);

// Horizontal threshold lines for the latency-over-time chart: {op, limit in µs, label} for each
// threshold on latency.<op>.pXX (three parts: every mode and phase) whose condition parses.
struct LatencyLimit {
  std::string op;
  double limit_us = 0;
  std::string label;  // e.g. "poll p99 < 30ms"
};
std::vector<LatencyLimit> LatencyLimits(const nlohmann::json& summary);

}  // namespace slotsim
