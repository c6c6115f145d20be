// The outputs of `slotsim capacity` (simulator/capacity.h): the probe runner that runs each
// probe with RunScenario and reads its metrics from summary.json, the progress and answer lines,
// capacity.json and capacity.html (a self-contained page with the latency-vs-load curve, the
// SLO limits and the knee marked, as inline SVG).
//
// capacity.json (schema "slotsim.capacity/1"):
//   schema, scenario, description, seed, target, profile, git_commit
//   search{vary, unit, min, max, growth, step, resolution, step_duration_s, warmup}
//   slos[{slo, metric, condition}]
//   probes[{level, stage ("ramp" | "bisect"), ok,
//           slos[{metric, condition, value (null = no data), ok, headroom (null or number)}],
//           metrics{<name>: value or null}}]          in the order they ran
//   answer{outcome ("found" | "not_bound" | "min_fails"), capacity, first_fail (or null),
//          binding{metric, condition, value} (or null), failing[metric ...], resolution, text}
// Values are in their metric's unit (simulator/threshold.h): latencies in µs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "simulator/capacity/capacity.h"
#include "simulator/run/run.h"

namespace slotsim {

inline constexpr std::string_view kCapacitySchema = "slotsim.capacity/1";

struct SummaryProbeOptions {
  RunOptions run;  // for every probe's RunScenario; run.wall_clock is required
  // When set, each probe's summary.json and reports go to <keep_dir>/probe-<NN>-<level>/.
  std::string keep_dir;
};

// A ProbeRunner that runs the probe scenario with RunScenario, builds its summary.json and reads
// each metric with MetricValue (reports/thresholds.h). RunScenario's errors pass through.
ProbeRunner SummaryProbeRunner(SummaryProbeOptions options);

// "480 clients", "12.5 arrivals/s".
std::string LevelText(CapacityVary vary, double level);

// One progress line for a finished probe: index, stage, level, pass/fail and each SLO's value.
std::string ProbeLine(const CapacityOptions& options, const CapacityProbe& probe, size_t index);

// The answer for people, one or two sentences: the capacity and the SLO that binds (with its
// value at the first failing level), "not bound" when --max passed, or the SLOs --min failed.
std::string AnswerText(const CapacityOptions& options, const CapacityResult& result);
// What to change when the search was not bound and `base` runs on sim with backends that have
// no capacity limit (sim.redis_servers and sim.mysql_servers 0): no load can saturate them, so
// raising --max alone only finds the calendar or the clients' own limits. "" otherwise.
std::string NotBoundHint(const Scenario& base, const CapacityResult& result);

// capacity.json as described above, for the search of `base` (the scenario as loaded).
nlohmann::json CapacityJson(const Scenario& base, const CapacityOptions& options,
                            const CapacityResult& result);

// capacity.html drawn from a capacity.json document alone: the answer, the SLO table, the
// latency-vs-load chart (log axis; one line per latency SLO metric and poll p50/p99; dashed
// SLO limits; the capacity as a vertical line of class "knee"; loads past the first failing
// level shaded, class "over"), one chart per other SLO metric, and the probe table. Nothing
// here throws; missing parts are left out.
std::string CapacityHtml(const nlohmann::json& capacity);

// Writes capacity.json and capacity.html into the existing directory `dir`. Unavailable naming
// the file when one cannot be written.
Status WriteCapacityReports(const nlohmann::json& capacity, const std::string& dir);

}  // namespace slotsim
