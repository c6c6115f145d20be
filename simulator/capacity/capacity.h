// Capacity search (`slotsim capacity`): the largest load a scenario's deployment holds while
// every SLO holds. Each probe is one run of the scenario with its [load] replaced by a constant
// level — concurrent clients (closed model) or arrivals per second (open model) — reached by a
// linear ramp over a warm-up share of the step and held for the rest. The search runs a coarse
// ramp (geometric by default, or linear with a fixed step) from `min` until a probe fails or
// `max` passes, then bisects between the last passing and the first failing level until they
// are at most `resolution` apart. It assumes the SLOs get worse as load rises; when noise makes
// that false near the knee, the answer is still a level that passed with a failing level at
// most `resolution` above it.
//
// The search never reads summaries itself: a ProbeRunner runs each probe scenario and measures
// the metrics asked for (reports/capacity_report.h has the one that runs RunScenario and reads
// summary.json), so the logic here is independent of targets and report formats. Deterministic:
// the same scenario, options and runner results give the same probes in the same order.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {

enum class CapacityVary { kClients, kArrivalRate };
std::string_view VaryName(CapacityVary vary);  // "clients" | "arrival_rate"
// InvalidArgument listing the allowed names for anything else.
StatusOr<CapacityVary> ParseVary(std::string_view name);

// Parses an SLO written as one string, "<metric><op><value>", e.g. "latency.poll.p99<50ms" or
// "errors.rate <= 0.1%": the metric runs up to the first of < > = !, the rest is the condition
// for ParseThreshold. InvalidArgument naming the SLO and the allowed form when it does not parse.
StatusOr<Threshold> ParseSlo(std::string_view text);

struct CapacityOptions {
  static constexpr int kMaxProbes = 64;
  std::vector<Threshold> slos;  // every one must hold; at least one
  CapacityVary vary = CapacityVary::kClients;
  double min = 10;    // the first level probed; > 0
  double max = 1000;  // the last level the coarse ramp reaches; >= min
  // Coarse ramp: each level is the previous times `growth` (> 1), or plus `step` when step > 0.
  double growth = 2;
  double step = 0;
  // Bisection stops when the failing and passing levels are this close; 0 = 5 % of the passing
  // level (at least 1 client, or 0.1 arrivals/s).
  double resolution = 0;
  Micros step_duration = std::chrono::minutes(2);  // one probe's run; at least 1 s
  double warmup = 0.25;  // share of step_duration spent ramping up to the level, 0 <= w < 1
};

// OK, or InvalidArgument naming the option that is out of range and its allowed values
// (including a linear ramp that would need more than kMaxProbes probes).
Status CheckCapacityOptions(const CapacityOptions& options);

// Level `level` as a load value: clients are whole numbers (rounded, at least 1).
double NormalizeLevel(const CapacityOptions& options, double level);

// The scenario one probe runs: `base` with duration = step_duration, load model closed (clients)
// or open (arrival_rate), stages = [ramp to level over the warm-up, hold level] (max_clients
// raised to the level for clients), thresholds = the SLOs, and faults clipped to the probe: a
// fault starting at or after its end is dropped, one running past its end is cut there. A fault
// spanning the whole base scenario (at 0, for its duration) thus spans the whole probe.
Scenario ProbeScenario(const Scenario& base, const CapacityOptions& options, double level);

// Every metric a probe must measure: the SLOs' metrics, then the ones the latency-vs-load
// curve draws (kCurveMetrics), each once.
inline constexpr std::string_view kCurveMetrics[] = {
    "latency.poll.p50", "latency.poll.p99",     "latency.select.p99", "latency.confirm.p99",
    "errors.rate",      "throughput.ops_per_s", "clients.peak",       "failover.mode_switches",
    "run.wall_s"};
std::vector<std::string> ProbeMetricNames(const CapacityOptions& options);

// What one probe measured: metric name -> value in the metric's unit (threshold.h), nullopt
// when it had no data (an SLO on a metric with no data fails).
using ProbeMetrics = std::map<std::string, std::optional<double>>;
// Runs one probe scenario and measures `metrics`. An error stops the search and is returned
// by FindCapacity as it is.
using ProbeRunner = std::function<StatusOr<ProbeMetrics>(const Scenario& probe,
                                                         const std::vector<std::string>& metrics)>;

struct SloCheck {
  std::optional<double> value;  // in the metric's unit; nullopt = no data
  bool ok = false;
  // How far inside its limit the value is, relative to the limit: (limit - value) / |limit| for
  // < and <=, (value - limit) / |limit| for > and >= (the raw difference for a limit of 0).
  // Negative when the SLO fails. nullopt for == and != and for no data.
  std::optional<double> headroom;
};

struct CapacityProbe {
  double level = 0;
  bool bisect = false;         // false: a coarse-ramp probe
  std::vector<SloCheck> slos;  // one per CapacityOptions::slos, in order
  bool ok = false;             // every SLO held
  ProbeMetrics metrics;        // ProbeMetricNames(options)
};

enum class CapacityOutcome {
  kFound,     // some level passed and a higher one failed: capacity is bound by an SLO
  kNotBound,  // even `max` passed: capacity is at least max
  kMinFails,  // even `min` failed
};

struct CapacityResult {
  std::vector<CapacityProbe> probes;  // in the order they ran
  CapacityOutcome outcome = CapacityOutcome::kFound;
  double capacity = 0;               // the highest passing level (0 for kMinFails)
  std::optional<double> first_fail;  // the lowest failing level, the top of the final bracket
  // The SLO that binds: of those failing at first_fail, the one with the least headroom
  // (== / != or no data first); index into CapacityOptions::slos, -1 when not bound.
  int binding = -1;
  std::vector<int> failing;  // every SLO failing at first_fail, in order
  double resolution = 0;     // the resolution the search aimed at
};

// Checks one probe's metrics against the SLOs.
CapacityProbe EvaluateProbe(const CapacityOptions& options, double level,
                            const ProbeMetrics& metrics);

// Called after each probe, for progress output.
using ProbeListener = std::function<void(const CapacityProbe& probe, size_t index)>;

// Runs the search. InvalidArgument for bad options (CheckCapacityOptions); a runner's error
// as it is.
StatusOr<CapacityResult> FindCapacity(const Scenario& base, const CapacityOptions& options,
                                      const ProbeRunner& run, const ProbeListener& on_probe = {});

}  // namespace slotsim
