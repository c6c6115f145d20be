// report.md: the run in GitHub-flavoured Markdown, short enough for a CI job summary
// ($GITHUB_STEP_SUMMARY, a merge-request note). From a summary.json document alone:
//   a verdict heading (✅ all thresholds passed / ❌ n of m failed / no thresholds) and a line
//   with target, profile, seed, duration, commit, clients, throughput and errors;
//   "Thresholds": one table row per threshold, ✅ or ❌, metric, condition, measured value, note;
//   "Latency": per operation that ran, then per storage mode that served it: count, errors,
//   p50 p90 p99 p99.9 max in ms (corrected);
//   "Consistency": one row of the anomaly counts and the visibility lag;
//   "Failover": the number of mode switches and one row per outage;
//   the replay command in a collapsed block.
// Text from the summary is escaped so it cannot break a table (| and line breaks) or inject
// HTML (< and &).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slotsim {

// The whole document, '\n'-terminated. Tolerates missing or mistyped keys; never throws.
std::string MarkdownReport(const nlohmann::json& summary);

}  // namespace slotsim
