// Console report: the table `slotsim run` prints when a run ends, and the live progress line.
// Both read only plain data (a summary.json document, a Progress), never the run itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/thresholds.h"
#include "simulator/run/run.h"

namespace slotsim {

// The end-of-run table for a summary.json document (reports/summary.h):
//   a header line (scenario, target, profile, seed, commit, duration);
//   per op that ran: count, errors, corrected p50 p90 p99 max in ms, then one row per storage
//   mode that served it;
//   consistency figures; failover (mode switches, one line per outage); thresholds, each
//   marked ✓ or ✗ with its measured value (or the reason it has none); the harness's own run
//   figures (wall time, events/s, peak RSS, bytes per client).
// `color` adds ANSI colours (✓ green, ✗ and non-zero errors/anomalies red, headings bold);
// without it the text has no escape sequences. Tolerates missing keys. Ends with '\n'.
std::string ConsoleSummary(const nlohmann::json& summary, bool color);
// The same without the header line: `slotsim run` prints that line when the run starts, so the
// table it prints at the end starts with the operations.
std::string ConsoleBody(const nlohmann::json& summary, bool color);

// The run's last line, for a CI log's tail ("PASS" or "FAIL" and why):
//   "PASS  10 of 10 thresholds passed"                   (", 1 skipped: not measured")
//   "FAIL  2 of 10 thresholds failed: errors.count, latency.poll.p99"
//   "FAIL  1 of 10 thresholds failed: latency.poll.p99; stopped early: <why>"
//   "DONE  no thresholds: nothing was judged"
// `aborted` is RunResult::aborted ("" when the run ran to its end).
std::string VerdictLine(const std::vector<ThresholdResult>& thresholds, const std::string& aborted,
                        bool color);

// One line for a terminal's live progress display, without a newline, e.g.
//   "1m23s / 10m  clients 1,234  ops/s 5,678  errors 3  storage redis"
std::string ProgressLine(const Progress& progress);

}  // namespace slotsim
