// Run warnings: what in a run's own figures makes them mean less than they seem, found from
// summary.json alone (so a merged or regenerated report finds the same), listed in summary.json
// "warnings" and shown by the console, report.md and report.html before anything else.
//
// calendar_saturated — the calendar sold out: clients gave up because their day had no free slot
//   left (clients.sold_out, timeseries.sold_out). Selects and confirms then fall while arrivals
//   continue, so throughput, latency and failover figures describe a nearly full calendar, not
//   the load the scenario asks for. Judged over windows of 10 s (or one time-series row when
//   rows are longer): a window is saturated when at least 5 clients gave up and they were at
//   least 10 % of the window's select attempts (selects sent + clients that gave up). The
//   warning says when the first saturated window began, the share over the whole run, and each
//   fault window that saturated windows overlap — the worst case: an outage measured on a full
//   calendar. Make the calendar bigger ([engine] employees, days_ahead; [clients] days) or the
//   load smaller.
#pragma once

#include <nlohmann/json.hpp>

namespace slotsim {

// Window rules (see above).
inline constexpr double kSaturationWindowS = 10;
inline constexpr uint64_t kSaturationMinGaveUp = 5;
inline constexpr double kSaturationShare = 0.10;

// summary.json "warnings": [{kind: "calendar_saturated", from_s, gave_up, share, peak_share,
// during_faults: [{kind, start_s, end_s}], message}] — [] when nothing to warn about.
nlohmann::json RunWarnings(const nlohmann::json& summary);

}  // namespace slotsim
